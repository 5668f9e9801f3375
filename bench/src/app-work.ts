/**
 * Application work per message: a fixed number of xorshift steps, so the server side costs more
 * CPU than the sender's (a fixed amount of CPU, unlike a spin on the clock, which a descheduled
 * process would end early).
 */
export function work(seed: number, iterations: number): number {
  let x = seed | 1;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/** Best-of-5 µs of {@link work} with `iterations`, measured in this process: its cost on an idle core. */
export function workMicros(iterations: number): number {
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let k = 0; k < 1000; k++) sink ^= work(k, iterations);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best * 1000 + (sink & 0);
}
