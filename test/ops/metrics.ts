// Reading a Prometheus text exposition in tests (Z5): one sample's value, and the metric names.

/** The value of the sample of `name` whose labels include `labels` (0 when there is none yet). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    const bare = line.startsWith(`${name} `);
    if (!bare && !line.startsWith(`${name}{`)) continue;
    const labelText = bare ? '' : line.slice(name.length + 1, line.indexOf('}'));
    if (want.every((l) => labelText.split(',').includes(l))) total += Number(line.split(' ').at(-1));
  }
  return total;
}

/** Every series name /metrics can emit: the declared names, and a histogram's _bucket/_sum/_count. */
export function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram' || m[2] === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${suffix}`);
    }
  }
  return names;
}

export async function scrape(issuer: string): Promise<string> {
  const res = await fetch(new URL('/metrics', issuer));
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
