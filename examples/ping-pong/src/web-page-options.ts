import { z } from 'zod';
import { DEFAULT_MATCH_CONFIG, type MatchConfig } from './logic/match-config';
import { MAX_SEED } from './logic/random';

/** The path of the WebSocket endpoint the web page plays on, on the page's own host and port. */
export const PLAY_PATH = '/play';

/** How many matches the page's "Start 5 matches" button starts at once. */
export const WEB_BATCH_MATCHES = 5;

/** Longest pause the page may put before each of its turns, in ms (below the server's 10 s turn timeout). */
export const MAX_PACE_MS = 2000;

/** What the web page's query string asks for: `?seed=42&scoreLimit=5&pace=50`. */
export interface WebPageOptions {
  /** Seed of the first match started on the page; match `i` (from 0) uses `seed + i`. Random seeds when absent. */
  readonly seed: number | undefined;
  /** Points that win a match. */
  readonly scoreLimit: number;
  /** Pause before each of the page's turns, in ms, to make a match watchable; 0 (full speed) by default. */
  readonly paceMs: number;
}

/** The outcome of {@link parseWebPageOptions}. */
export type WebPageOptionsResult = { readonly ok: true; readonly value: WebPageOptions } | { readonly ok: false; readonly error: string };

const WebPageQuerySchema = z.object({
  seed: z.coerce.number({ error: 'seed must be a number' }).int('seed must be an integer').min(0, 'seed must be >= 0').max(MAX_SEED, `seed must be <= ${MAX_SEED}`).optional(),
  scoreLimit: z.coerce
    .number({ error: 'scoreLimit must be a number' })
    .int('scoreLimit must be an integer')
    .min(1, 'scoreLimit must be at least 1')
    .max(1000, 'scoreLimit must be <= 1000')
    .default(DEFAULT_MATCH_CONFIG.scoreLimit),
  pace: z.coerce.number({ error: 'pace must be a number' }).int('pace must be an integer').min(0, 'pace must be >= 0').max(MAX_PACE_MS, `pace must be <= ${MAX_PACE_MS}`).default(0),
});

/**
 * Read the web page's options from its query string; parameters it does not know are ignored.
 *
 * @param search - `location.search`, e.g. `?seed=42&scoreLimit=5`.
 * @returns the options, or a message naming what is wrong.
 * @example
 * ```ts
 * parseWebPageOptions('?seed=1&scoreLimit=3'); // { ok: true, value: { seed: 1, scoreLimit: 3, paceMs: 0 } }
 * ```
 */
export function parseWebPageOptions(search: string): WebPageOptionsResult {
  const params = new URLSearchParams(search);
  const value = (name: string): string | undefined => {
    const v = params.get(name);
    return v === null || v === '' ? undefined : v;
  };
  const parsed = WebPageQuerySchema.safeParse({ seed: value('seed'), scoreLimit: value('scoreLimit'), pace: value('pace') });
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => i.message).join('; ') };
  const { seed, scoreLimit, pace } = parsed.data;
  return { ok: true, value: { seed, scoreLimit, paceMs: pace } };
}

/**
 * The config of the `index`-th match (from 0) started on the page: the default thresholds, the
 * page's score limit, and seed `seed + index` (wrapping at {@link MAX_SEED}) when the page has a seed.
 */
export function webMatchConfig(options: WebPageOptions, index: number): MatchConfig {
  const base = { ...DEFAULT_MATCH_CONFIG, scoreLimit: options.scoreLimit };
  return options.seed === undefined ? base : { ...base, seed: (options.seed + index) % (MAX_SEED + 1) };
}

/**
 * The WebSocket address of the play endpoint of the server that served the page.
 * @param location - the page's `location` (its `protocol` and `host`).
 * @returns `ws://host:port/play`, or `wss://…` for a page served over HTTPS.
 */
export function playAddress(location: { readonly protocol: string; readonly host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${PLAY_PATH}`;
}
