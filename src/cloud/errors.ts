/**
 * Every way a cloud call can fail, as one error type with a `kind` the core can act on and a message a
 * user understands. Messages never include request bodies, tokens or passwords.
 */
export type CloudErrorKind =
  | 'network' // DNS, refused, reset, TLS
  | 'timeout'
  | 'http' // unexpected HTTP status
  | 'bad-response' // not JSON, or JSON of the wrong shape
  | 'api' // status != "0" that has no better kind
  | 'token-expired' // status "100" / "token verify error."
  | 'wrong-password'
  | 'daily-limit'
  | 'app-rejected' // "app version is low" / "Can only login to the S-Miles Home"
  | 'unknown-account'
  | 'locked'
  | 'no-credentials'
  | 'login-paused' // our own limit on logging in again (login-guard.ts)
  | 'no-battery';

export class CloudError extends Error {
  constructor(
    readonly kind: CloudErrorKind,
    message: string,
    /** `apiMessage`: the cloud's own words (a login reply's message); `logged`: the message was logged already where it arose (say it once). */
    readonly detail?: { httpStatus?: number; apiStatus?: string; retryAt?: Date; cause?: unknown; apiMessage?: string; logged?: boolean },
  ) {
    super(message);
    this.name = 'CloudError';
  }

  /** Errors that mean "stop logging in until something changes", not "try again soon". */
  get isAuthProblem(): boolean {
    return ['wrong-password', 'daily-limit', 'app-rejected', 'unknown-account', 'locked', 'no-credentials', 'login-paused'].includes(
      this.kind,
    );
  }
}
