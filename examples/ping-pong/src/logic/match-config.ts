import { z } from 'zod';
import { MAX_SEED } from './random';

/**
 * Names of the cumulative probability thresholds, in the order they partition `[0, 1)`:
 * two soft service faults, then the six hard faults.
 */
export const THRESHOLD_NAMES = [
  'softMishit',
  'netTouch',
  'noBounce',
  'noRebate',
  'mishit',
  'preBounce',
  'netBlock',
  'ballOut',
] as const;

/** One threshold name. */
export type ThresholdName = (typeof THRESHOLD_NAMES)[number];

const probability = z.number().gt(0).lt(1);

/**
 * The cumulative probability thresholds of the umpire: each strictly greater than the one
 * before, all in `(0, 1)`. A draw below `softMishit` is a soft mishit, below `netTouch` a
 * net touch, and so on; a draw at or above `ballOut` is a good shot.
 */
export const ThresholdsSchema = z
  .object({
    softMishit: probability,
    netTouch: probability,
    noBounce: probability,
    noRebate: probability,
    mishit: probability,
    preBounce: probability,
    netBlock: probability,
    ballOut: probability,
  })
  .superRefine((t, ctx) => {
    for (let i = 1; i < THRESHOLD_NAMES.length; i++) {
      const before = THRESHOLD_NAMES[i - 1]!;
      const name = THRESHOLD_NAMES[i]!;
      if (!(t[name] > t[before])) {
        ctx.addIssue({ code: 'custom', path: [name], message: `${name} must be greater than ${before}` });
      }
    }
  });

/** Validated umpire thresholds. */
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/**
 * The match config the client sends before the game: the score that ends the match, an
 * optional seed that makes the match replayable, and the umpire's thresholds.
 * It is the `Config` message of the pre-game protocol (see PROTOCOL.md).
 */
export const MatchConfigSchema = z.object({
  /** Points that win the match. */
  scoreLimit: z.number().int().min(1).max(1000),
  /** When present, both players seed their generators from it and the match replays exactly. */
  seed: z.number().int().min(0).max(MAX_SEED).optional(),
  thresholds: ThresholdsSchema,
});

/** A validated match config. */
export type MatchConfig = z.infer<typeof MatchConfigSchema>;

/** Thresholds of a plausible match: about one service in twelve is a soft fault, one shot in four a fault. */
export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  softMishit: 0.03,
  netTouch: 0.08,
  noBounce: 0.1,
  noRebate: 0.16,
  mishit: 0.19,
  preBounce: 0.21,
  netBlock: 0.25,
  ballOut: 0.3,
});

/** The default config: first to 11, unseeded, {@link DEFAULT_THRESHOLDS}. */
export const DEFAULT_MATCH_CONFIG: MatchConfig = Object.freeze({ scoreLimit: 11, thresholds: DEFAULT_THRESHOLDS });

/** The outcome of {@link parseMatchConfig}. */
export type MatchConfigResult =
  | { readonly ok: true; readonly config: MatchConfig }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Validate an untrusted match config.
 * @param input - anything, e.g. parsed JSON.
 * @returns the config, or the issues as `path: message` lines.
 */
export function parseMatchConfig(input: unknown): MatchConfigResult {
  const parsed = MatchConfigSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(config)'}: ${i.message}`) };
}
