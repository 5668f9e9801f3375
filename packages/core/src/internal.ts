/**
 * `@rxmsg/core/internal`: parts of `@rxmsg/core` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/core` (see docs/api.md).
 * @packageDocumentation
 */
export { concatBytes, utf8Length } from './bytes';
export { isValidCredit } from './codec';
export { checkLanes } from './check-lanes';
export { resolveConfig } from './config';
export {
  CANCEL_TAG,
  END_TAG,
  ERROR_TAG,
  correlationSchema,
} from './request-spec';
export { tlsHandshakeOf } from './handshake';
export {
  RESUME_FRAME_HEADER_BYTES,
  RESUME_MAGIC,
  RESUME_MAX_CONTROL_PAYLOAD,
  RESUME_TOKEN_BYTES,
  ResumeFrameDecoder,
  ResumeFrameType,
  encodeAck,
  encodeHello,
  encodeResumeFrame,
  encodeWelcome,
  parseAck,
  parseHello,
  parseWelcome,
} from './resume-frame';
export type { ResumeFrame, ResumeHello, ResumeWelcome } from './resume-frame';
export { resolveResumeOptions } from './resume-options';
export { backoffDelay } from './retry-backoff';
