import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A heap measurement from {@link settledHeapUsed}. */
export interface HeapMeasurement {
  /** `process.memoryUsage().heapUsed`, in bytes. */
  readonly heapUsed: number;
  /** `true` when full garbage collections ran first; `false` when only event-loop turns could. */
  readonly collected: boolean;
}

let collector: (() => void) | null | undefined;

/**
 * V8's `gc()`, without `--expose-gc` on the command line (mocha's options are shared by every
 * test): the flag is turned on at run time and `gc` taken from a fresh context, where V8 installs
 * it (jest's leak detector does the same). `null` when this V8 refuses.
 */
function gcFunction(): (() => void) | null {
  if (collector !== undefined) return collector;
  const own: unknown = Reflect.get(globalThis, 'gc');
  if (typeof own === 'function') {
    collector = () => void Reflect.apply(own, undefined, []);
    return collector;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    collector = typeof gc === 'function' ? () => void Reflect.apply(gc, undefined, []) : null;
  } catch {
    collector = null;
  }
  return collector;
}

/**
 * The heap in use once garbage is gone: a few `setImmediate` rounds (so that closed sockets
 * release what they hold) each followed by a full collection when one can be forced.
 */
export async function settledHeapUsed(rounds = 4): Promise<HeapMeasurement> {
  const gc = gcFunction();
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
  }
  return { heapUsed: process.memoryUsage().heapUsed, collected: gc !== null };
}
