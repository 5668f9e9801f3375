/**
 * Slack allowed above `maxFrameBytes` for a WebSocket message, at most: a message a little over the
 * session's limit still reaches the session, which reports it as `FRAME_TOO_LARGE` (and applies
 * `onDecodeError`), while a far larger one is refused by `ws` before it is buffered.
 */
export const MAX_PAYLOAD_SLACK = 65_536;

/**
 * Largest WebSocket message accepted by default: 1 MiB (the default `maxFrameBytes`) plus
 * `MAX_PAYLOAD_SLACK`. Used when neither the transport's `maxPayload` nor the session's
 * `maxFrameBytes` is known.
 */
export const DEFAULT_MAX_PAYLOAD = 1_048_576 + MAX_PAYLOAD_SLACK;

/**
 * The `ws` `maxPayload` of one listener or connection: `configured` when the transport was given one,
 * otherwise `maxFrameBytes` plus the smaller of `maxFrameBytes` and `MAX_PAYLOAD_SLACK` (so a
 * server configured for 4 KiB frames buffers at most 8 KiB of one message, and the default 1 MiB frames
 * give {@link DEFAULT_MAX_PAYLOAD}); {@link DEFAULT_MAX_PAYLOAD} when neither is known.
 *
 * @example `maxPayloadFor(undefined, 4096)` is `8192`; `maxPayloadFor(1000, 4096)` is `1000`.
 */
export function maxPayloadFor(configured: number | undefined, maxFrameBytes: number | undefined): number {
  if (configured !== undefined) return configured;
  if (maxFrameBytes === undefined) return DEFAULT_MAX_PAYLOAD;
  return maxFrameBytes + Math.min(maxFrameBytes, MAX_PAYLOAD_SLACK);
}
