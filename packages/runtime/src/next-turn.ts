/** Node's `setImmediate` where there is one (read once, called unbound). */
const immediate = (globalThis as { setImmediate?: (work: () => void) => unknown }).setImmediate;

/**
 * Runs `work` once the current turn of the event loop (and its microtasks) is over: Node's
 * `setImmediate`, a zero-delay timer elsewhere (browsers). Browser-safe.
 */
export const nextTurn: (work: () => void) => void = immediate !== undefined ? (work) => void immediate(work) : (work) => void setTimeout(work, 0);
