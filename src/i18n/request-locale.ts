// The locale of the request being served (X3), for code that runs on its behalf without a Koa
// context — e.g. a security notice mailed after a commit (U6). Set by src/http/locale.ts.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Locale } from './index.ts';

export const requestLocale = new AsyncLocalStorage<Locale>();
