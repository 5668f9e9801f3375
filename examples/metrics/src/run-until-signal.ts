/** What {@link runUntilSignal} runs: a started example that can be closed. */
export interface Closable {
  close(): Promise<unknown>;
}

/**
 * Run a started example until SIGINT or SIGTERM: print `describe`'s lines once it is up, close it
 * on the first signal and exit 0; if it fails to start, print the error and exit 1.
 *
 * @example
 * ```ts
 * runUntilSignal(startMetricsExample({ listen: 'tcp://127.0.0.1:4000' }), (ex) => [`on ${ex.address}`]);
 * ```
 */
export function runUntilSignal<T extends Closable>(started: Promise<T>, describe: (example: T) => readonly string[]): void {
  started.then(
    (example) => {
      for (const line of describe(example)) console.log(line);
      const stop = (): void => void example.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
