// Truly parallel form posts from one browser (its cookies), for the V2 race tests: every request
// is built first and all are sent at once (Promise.all); the answers are counted by status.
import type { Browser, Page } from './browser.ts';
import { formAction, hiddenInputs } from './browser.ts';

/** Posts the page's form (matching `actionMatch`) `n` times at once; returns the statuses. */
export async function burst(
  browser: Browser,
  page: Page,
  actionMatch: RegExp,
  fields: (i: number) => Record<string, string>,
  n: number,
): Promise<number[]> {
  const url = new URL(formAction(page.text, actionMatch), page.url);
  const hidden = hiddenInputs(page.text, actionMatch);
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) => browser.request(url, { form: { ...hidden, ...fields(i) } })),
  );
  return answers.map((a) => a.status);
}

export function countStatuses(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}
