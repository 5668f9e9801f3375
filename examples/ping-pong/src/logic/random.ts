/**
 * A source of draws in `[0, 1)`. Deterministic when created from a seed, so a match
 * can be replayed exactly.
 */
export type Random = () => number;

/** Largest seed value: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;

/** Mixed into the match seed to seed the server's generator, so the two players draw different sequences. */
export const SERVER_SEED_MIX = 0x9e37_79b9;

/**
 * The mulberry32 generator: 32 bits of state, one draw per call, each draw an integer
 * in `[0, 2^32)` divided by `2^32` (so every draw is exact in a float64 and lies in `[0, 1)`).
 *
 * @param seed - unsigned 32-bit integer; other numbers are truncated to 32 bits.
 * @returns a generator; two generators with the same seed yield the same sequence.
 * @example
 * ```ts
 * const random = createRandom(42);
 * random(); // 0.6011037519201636, the same on every run
 * ```
 */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b_79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The seed each player's generator starts from, given the match seed: the client uses it
 * as is, the server uses it XOR {@link SERVER_SEED_MIX}.
 *
 * @param matchSeed - the seed sent in the match config.
 * @param player - whose generator.
 */
export function playerSeed(matchSeed: number, player: 'client' | 'server'): number {
  return player === 'client' ? matchSeed >>> 0 : (matchSeed ^ SERVER_SEED_MIX) >>> 0;
}

/** A fresh unpredictable seed (from `Math.random`), for matches that need no replay. */
export function randomSeed(): number {
  return Math.floor(Math.random() * (MAX_SEED + 1)) >>> 0;
}
