import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';

/** The first value of `source$` matching `predicate`, or a rejection after `ms`. */
export function waitFor<T, S extends T = T>(
  source$: Observable<T>,
  predicate: ((value: T) => value is S) | ((value: T) => boolean),
  ms = 5000,
): Promise<S> {
  return firstValueFrom(source$.pipe(filter(predicate as (value: T) => value is S), timeout(ms)));
}

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `check` every 5 ms until it returns true, or reject after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** `promise`, or a rejection naming `what` if it has not settled after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what = 'promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
