import { settledHeapUsed } from '@rxmsg/test-utils';

/** What a {@link watchHeap} watch measured. */
export interface HeapReport {
  /** The largest heap sampled, after a full collection whenever a sample was over the bound. */
  readonly peak: number;
  /** Samples taken. */
  readonly samples: number;
}

/** A running {@link watchHeap} watch. */
export interface HeapWatch {
  /** Stop sampling (its timer is cleared) and report, once a sample under way is done. */
  stop(): Promise<HeapReport>;
}

/**
 * Samples `process.memoryUsage().heapUsed` every `intervalMs` while something runs. A sample over
 * `collectAbove` is taken again after full collections (see `settledHeapUsed`), so that garbage
 * not yet collected does not count: the peak is what was live, or a sample under `collectAbove`.
 */
export function watchHeap(collectAbove: number, intervalMs = 20): HeapWatch {
  let peak = 0;
  let samples = 0;
  let busy: Promise<void> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const sample = async (): Promise<void> => {
    samples++;
    let used = process.memoryUsage().heapUsed;
    if (used > collectAbove) used = (await settledHeapUsed(1)).heapUsed;
    peak = Math.max(peak, used);
  };
  const tick = (): void => {
    timer = undefined;
    busy = sample().then(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await busy;
      if (timer !== undefined) clearTimeout(timer);
      return { peak, samples };
    },
  };
}
