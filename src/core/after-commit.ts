// V6: once a method is committed active, the person must see what comes with it (the backup codes)
// even if the ephemeral store fails in the same request. The housekeeping that follows a commit
// (clearing the pending secret, the re-authentication mark, the attempt counter, recording the step
// on the interaction) is done best effort: a failure is logged, and the page is still rendered.
import type { Logger } from 'pino';

export async function afterCommit<T>(
  logger: Logger,
  step: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    // The error's message only: store errors carry no secret, and the request carries codes.
    logger.warn(
      { event: 'enroll.after_commit_failed', step, error: (err as Error).message },
      'step after commit failed',
    );
    return undefined;
  }
}
