// The host's own user directory: an in-memory list that knows nothing of Deadbolt. Each user works
// for a company, and a company on a paying plan is what makes MFA mandatory (through the port).
import { scryptSync, timingSafeEqual } from 'node:crypto';

const salt = 'example-only-salt';
const hash = (password) => scryptSync(password, salt, 32);

const USERS = [
  {
    id: 'u-alice',
    email: 'alice@acme.example',
    password: hash('alice password'),
    company: 'acme',
    paying: true,
  },
  { id: 'u-bob', email: 'bob@tiny.example', password: hash('bob password'), company: 'tiny', paying: false },
];

export const findUser = (id) => USERS.find((u) => u.id === id);

export function checkPassword(email, password) {
  const user = USERS.find((u) => u.email === email);
  const ok = timingSafeEqual(hash(String(password)), user ? user.password : hash(''));
  return user && ok ? user : undefined;
}

/** For the demo and tests: a user's company changes its plan. */
export function setPaying(id, paying) {
  findUser(id).paying = paying;
}

/** Each company's rule for remembered browsers: for how many days after MFA (0: never). */
const REMEMBER_DAYS = { acme: 0, tiny: 0 };

export const rememberDaysOf = (company) => REMEMBER_DAYS[company] ?? 0;

/** For the demo and tests: a company changes that rule. */
export function setRememberDays(company, days) {
  REMEMBER_DAYS[company] = days;
}
