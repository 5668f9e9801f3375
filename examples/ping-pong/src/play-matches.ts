import { defer, lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import { playMatch, type PlayMatchOptions } from './client';
import { DEFAULT_MATCH_CONFIG, type MatchConfig } from './logic/match-config';
import { MAX_SEED, randomSeed } from './logic/random';
import type { MatchResult } from './match-result';

/** Options of {@link playMatches}. */
export interface PlayMatchesOptions {
  /** The server's address. */
  readonly connect: string;
  /** How many matches to play. */
  readonly matches: number;
  /** How many matches run at once. */
  readonly concurrency: number;
  /** Seed of the first match; match `i` (from 0) uses `seed + i`. Random seeds when absent. */
  readonly seed?: number;
  /** Config of every match (its `seed` is replaced); {@link DEFAULT_MATCH_CONFIG} by default. */
  readonly config?: MatchConfig;
  /** Called with each result as it arrives (completion order). */
  readonly onResult?: (result: MatchResult, index: number) => void;
  /** Passed to every {@link playMatch}. */
  readonly retry?: PlayMatchOptions['retry'];
}

/** Totals of a run of matches, from the clients' side. */
export interface MatchesSummary {
  /** Results in match order. */
  readonly results: readonly MatchResult[];
  /** Wall-clock time of the whole run. */
  readonly elapsedMs: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Messages received per second of wall-clock time. */
  readonly inPerSecond: number;
  /** Messages sent per second of wall-clock time. */
  readonly outPerSecond: number;
}

/**
 * Play `matches` matches against one server, `concurrency` at a time, each on its own
 * connection, and total the messages exchanged.
 *
 * @param options - address, counts, seed.
 * @returns the results (in match order) and the message rates in and out.
 * @example
 * ```ts
 * const summary = await playMatches({ connect: address, matches: 4, concurrency: 2, seed: 1 });
 * console.log(formatSummary(summary));
 * ```
 */
export async function playMatches(options: PlayMatchesOptions): Promise<MatchesSummary> {
  const base = options.config ?? DEFAULT_MATCH_CONFIG;
  const started = performance.now();
  const indexed = await lastValueFrom(
    range(0, options.matches).pipe(
      mergeMap((i) => {
        const seed = options.seed === undefined ? randomSeed() : (options.seed + i) % (MAX_SEED + 1);
        const config: MatchConfig = { ...base, seed };
        const match = options.retry === undefined ? { connect: options.connect, config } : { connect: options.connect, config, retry: options.retry };
        return defer(() => playMatch(match)).pipe(
          map((result) => {
            options.onResult?.(result, i);
            return { i, result };
          }),
        );
      }, options.concurrency),
      toArray(),
    ),
  );
  const elapsedMs = performance.now() - started;
  const results = indexed.sort((a, b) => a.i - b.i).map((x) => x.result);
  const messagesIn = results.reduce((n, r) => n + r.messagesIn, 0);
  const messagesOut = results.reduce((n, r) => n + r.messagesOut, 0);
  const seconds = Math.max(elapsedMs, 1e-3) / 1000;
  return {
    results,
    elapsedMs,
    messagesIn,
    messagesOut,
    inPerSecond: messagesIn / seconds,
    outPerSecond: messagesOut / seconds,
  };
}
