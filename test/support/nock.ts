// nock intercepts every HTTP request of the process from the moment it is imported (it even
// decompresses request bodies). Only the suites that fake MessageBird turn it on, and only while
// they run, so other suites talk to real servers untouched.
import nock from 'nock';

nock.restore();

/** Registers hooks that intercept HTTP in this suite only; local traffic passes when asked. */
export function useNock(options: { allowLocal?: boolean } = {}): void {
  before(() => {
    nock.activate();
    nock.disableNetConnect();
    if (options.allowLocal) nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => nock.cleanAll());
  after(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}

export { nock };
