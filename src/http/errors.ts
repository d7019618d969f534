// Errors a route throws to answer with a clear 4xx page (X1). Anything else is logged and answered
// with a generic page: never a stack trace.

export class HttpError extends Error {
  readonly status: number;
  /** i18n key of the user-facing message. */
  readonly messageKey: string;
  readonly params: Record<string, string | number> | undefined;
  constructor(status: number, messageKey: string, params?: Record<string, string | number>) {
    super(messageKey);
    this.name = 'HttpError';
    this.status = status;
    this.messageKey = messageKey;
    this.params = params;
  }
}

export const badRequest = () => new HttpError(400, 'error.bad_request');
export const forbidden = () => new HttpError(403, 'error.forbidden');
export const notFound = () => new HttpError(404, 'error.not_found');
export const interactionExpired = () => new HttpError(400, 'error.interaction_expired');
