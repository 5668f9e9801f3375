import { utf8Length } from './bytes';
import type { Codec } from './codec';
import { MalformedMessageError } from './errors';
import { LineFramer } from './line-framer';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The text wire format: one JSON object per line, UTF-8, terminated by `\n`
 * (`\r\n` accepted on input). Human-readable and easy to speak from any language.
 *
 * @example
 * ```ts
 * textCodec.encodeFrame({ kind: 'Hello', name: 'Ada' }); // '{"kind":"Hello","name":"Ada"}\n'
 * ```
 */
export const textCodec: Codec = {
  name: 'text',
  payloadType: 'text',
  createFramer: (maxFrameBytes) => new LineFramer(maxFrameBytes),
  // JSON.stringify escapes control characters, so the line never contains a raw \n.
  encodeFrame: (message) => JSON.stringify(message) + '\n',
  encodePayload: (message) => JSON.stringify(message),
  decode(payload) {
    let text: string;
    try {
      text = typeof payload === 'string' ? payload : decoder.decode(payload);
    } catch (cause) {
      throw new MalformedMessageError('line is not valid UTF-8', { cause });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new MalformedMessageError('line is not valid JSON', { cause });
    }
  },
  byteLength: (chunk) => (typeof chunk === 'string' ? utf8Length(chunk) : chunk.length),
};
