/** How long a single request waits for its reply when `timeoutMs` is not given, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Options of one request (see `docs/requests.md`). */
export interface RequestOptions {
  /**
   * Deadline, in ms on the session's (or client's) scheduler: past it the request fails with a
   * `TimeoutError` and `$cancel` is sent. For a single request it bounds the wait for the reply
   * (default {@link DEFAULT_REQUEST_TIMEOUT_MS}); for a request-stream the wait for its first
   * reply (default: none). 0: no deadline.
   */
  readonly timeoutMs?: number;
  /** Aborting fails the request with a `CancelledError` and sends `$cancel`. */
  readonly signal?: AbortSignal;
  /**
   * Client handles only: when the connection is lost with the request outstanding, send it again
   * on the next connection (within its deadline) instead of failing it with a `ClosedError`.
   * Only for requests that do no harm when handled twice.
   */
  readonly idempotent?: boolean;
}
