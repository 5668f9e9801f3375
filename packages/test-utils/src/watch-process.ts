/** Errors that escaped to the process (uncaught exceptions, unhandled rejections) while watched. */
export interface ProcessWatch {
  /** What escaped, in order. */
  readonly escaped: unknown[];
  /** Stop watching. */
  stop(): void;
}

/**
 * Watch the process for errors that escape to it, without changing what happens to them
 * (`uncaughtExceptionMonitor` only observes): a test of "the process stays up" asserts `escaped` is empty.
 */
export function watchProcess(): ProcessWatch {
  const escaped: unknown[] = [];
  const onError = (error: unknown): void => void escaped.push(error);
  process.on('uncaughtExceptionMonitor', onError);
  process.on('unhandledRejection', onError);
  return {
    escaped,
    stop: () => {
      process.off('uncaughtExceptionMonitor', onError);
      process.off('unhandledRejection', onError);
    },
  };
}
