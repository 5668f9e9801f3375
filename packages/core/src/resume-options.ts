import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Session resumption of a protocol stack (see `docs/resume.md`): both the server and the client set it.
 * A connection lost for less than `windowMs` is resumed (same session: peer id, stage, state), and
 * every byte either side sent that the other did not receive is replayed, exactly once and in order.
 */
export interface ResumeOptions {
  /**
   * Bytes a side keeps of what it sent and the other side has not acknowledged yet. Once that many
   * are held, the connection reports itself not writable (the session's outbound policy applies:
   * `backpressure` holds its queue) until acknowledgements free room: the buffer never grows past
   * it by more than one write. At least 1024.
   */
  readonly bufferBytes: number;
  /**
   * How long a lost connection may be resumed: the server keeps the detached session this long,
   * the client tries to reach it again this long. At least 1.
   */
  readonly windowMs: number;
}

const schema = z
  .object({
    bufferBytes: z.number().int().min(1024).max(0x7fffffff),
    windowMs: z.number().int().min(1).max(2_147_483_647),
  })
  .strict();

/**
 * Validate the `resume` option of a factory once; `undefined` stays `undefined` (resumption off).
 * @returns the frozen options.
 * @throws {@link ConfigError} naming the field (`resume.bufferBytes`, `resume.windowMs`, or `resume`).
 */
export function resolveResumeOptions(input: unknown): ResumeOptions | undefined {
  if (input === undefined) return undefined;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? [] : issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path;
    const field = ['resume', ...path.map(String)].join('.');
    throw new ConfigError(field, parsed.error.issues.map((i) => `${['resume', ...i.path.map(String)].join('.')}: ${i.message}`), { cause: parsed.error });
  }
  return Object.freeze({ ...parsed.data });
}
