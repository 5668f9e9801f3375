/** Exit codes of the `rxmsg` commands, for scripts and CI. */
export const ExitCode = {
  /** Done: every `--expect` met, the snapshot printed. */
  ok: 0,
  /** Bad usage: an unknown option, a `--send` that is not JSON, a `--protocol` module that names no protocol. */
  usage: 1,
  /** The server could not be reached (refused, unreachable, handshake failed, connect timeout), or a listener could not bind. */
  connectFailed: 2,
  /** A message failed validation (`--protocol`) or decoding, in either direction. */
  validationFailed: 3,
  /** An `--expect` was not met before `--timeout`, or the connection closed first. */
  expectationFailed: 4,
  /** The admin endpoint refused the token. */
  denied: 5,
} as const;
/** One of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
