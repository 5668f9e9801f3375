/** Handle of a platform timer (a number in browsers, an object in Node). */
export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * `setTimeout` that does not keep a Node process alive on its own (the socket it
 * guards does while it is open). Plain `setTimeout` in browsers.
 */
export function unrefTimeout(callback: () => void, ms: number): TimerHandle {
  const handle: unknown = setTimeout(callback, ms);
  if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') handle.unref();
  // Returned as the platform's own handle type, unchanged.
  return handle as TimerHandle;
}
