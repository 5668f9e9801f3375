import { z } from 'zod';
import { ConfigError } from '@rxmsg/core';

/** Which way a byte-offset fault counts: bytes this end `read`s (receives) or `write`s (sends). */
export type FaultDirection = 'read' | 'write';

/**
 * How a connection's received bytes are cut before its reader sees them:
 * - `'every-byte'`: one `onData` call per byte;
 * - `{ at }`: cut before each of these offsets of the received stream (0-based, ascending);
 * - `{ maxChunk }`: pieces of a random size from 1 to `maxChunk`, drawn from the transport's seed.
 */
export type SplitFault = 'every-byte' | { readonly at: readonly number[] } | { readonly maxChunk: number };

/**
 * The faults {@link faultyTransport} injects into one connection. Offsets and byte counts are per
 * connection and per direction, from its first byte. Every field is optional; an empty object
 * forwards everything untouched.
 */
export interface Faults {
  /** Cut what this end receives into smaller `onData` calls (the bytes and their order are kept). */
  readonly split?: SplitFault;
  /**
   * Hand each received piece (and the end and close that follow it) to the reader `ms` later, on
   * the transport's scheduler (virtual time in tests). Order is kept. Bounded: see
   * {@link FaultyTransportOptions.maxDelayedBytes}.
   */
  readonly delayMs?: number;
  /**
   * Drop the connection once `bytes` bytes passed in `direction`, as a network failure would: this
   * end's `onClose` reports a `TransportError` (code `TRANSPORT_FAILED`). `read`: this end's reader
   * gets exactly the first `bytes`, then the inner connection is destroyed. `write`: exactly the first
   * `bytes` are sent, then the inner connection is ended (the peer reads them, then the end of the
   * stream) and destroyed once the peer ends too or `destroy()` is called. `bytes: 0` drops at the first byte.
   */
  readonly dropAfter?: { readonly bytes: number; readonly direction: FaultDirection };
  /** Flip the bits of `mask` (0xff by default) in the byte at `offset` of `direction` (`read` by default). */
  readonly corrupt?: { readonly offset: number; readonly direction?: FaultDirection; readonly mask?: number };
}

/** Which connection a fault plan is asked about: the `index`-th one (from 0) the transport wrapped, and how it was made. */
export interface FaultTarget {
  /** Wrapped connections before this one, accepted and dialled together. */
  readonly index: number;
  /** `listen`: accepted by a listener of the transport; `connect`: dialled through it. */
  readonly side: 'listen' | 'connect';
}

/** The faults of every connection alike, or a function choosing them per connection (`undefined`: leave it alone). */
export type FaultPlan = Faults | ((target: FaultTarget) => Faults | undefined);

const MAX = Number.MAX_SAFE_INTEGER;
const count = z.number().int().min(0).max(MAX);
const direction = z.enum(['read', 'write']);
const SPLIT = "must be 'every-byte', { at: [ascending offsets] } or { maxChunk: an integer >= 1 }";

/**
 * The schema of {@link Faults}: strict objects (an unknown field is an error, so a typo is not a
 * silent no-op) and exact enums.
 */
const FaultsSchema = z.strictObject({
  split: z
    .union(
      [
        z.literal('every-byte'),
        z.strictObject({ at: z.array(count).refine((at) => at.every((n, i) => i === 0 || n > at[i - 1]!), 'must be ascending non-negative integers') }),
        z.strictObject({ maxChunk: z.number().int().min(1).max(MAX) }),
      ],
      { error: SPLIT },
    )
    .optional(),
  delayMs: z.number().min(0).max(Number.MAX_VALUE).optional(),
  dropAfter: z.strictObject({ bytes: count, direction }).optional(),
  corrupt: z.strictObject({ offset: count, direction: direction.optional(), mask: z.number().int().min(1).max(0xff).optional() }).optional(),
});

/** One line per problem, each naming its field (`split.at`, `dropAfter.direction`, `splt`...). */
function problemsOf(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const name = (extra: readonly PropertyKey[] = []) => [...path, ...extra].map(String).join('.') || 'faults';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(`${name([key])}: unknown field`);
    } else if (issue.code === 'invalid_union') {
      // The branch the value was meant for: the one whose only problems are inside it (its shape matched).
      const meant = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
      problems.push(...(meant.length === 1 ? problemsOf(meant[0]!, path) : [`${name()}: ${issue.message}`]));
    } else {
      problems.push(`${name()}: ${issue.message}`);
    }
  }
  return problems;
}

/**
 * Check `faults` against the schema of {@link Faults}, so a mistake (a typo in a field name, a
 * direction that does not exist, a split of the wrong shape) fails where the test wrote it rather
 * than as a puzzling behaviour.
 * @throws {@link @rxmsg/core!ConfigError} (code `CONFIG_INVALID`) naming each bad field; nothing else.
 */
export function checkFaults(faults: Faults): void {
  const r = FaultsSchema.safeParse(faults);
  if (!r.success) throw new ConfigError('faults', problemsOf(r.error.issues));
}
