import type { SystemAdapter } from './system-adapter';
import type { Workload, WorkloadSettings } from './workloads';

/**
 * The settings `system` runs `workload` with: the workload's quick settings in quick mode, else the
 * system's own full settings for it ({@link SystemAdapter.fullSettings}) or the workload's.
 *
 * @throws Error when the system's settings are of another kind than the workload's (a one-way
 * workload given request settings would drive the wrong client).
 */
export function runSettings(workload: Workload, system: Pick<SystemAdapter, 'name' | 'fullSettings'>, quick: boolean): WorkloadSettings {
  if (quick) return workload.quick;
  const own = system.fullSettings?.[workload.name];
  if (own === undefined) return workload.full;
  if (own.kind !== workload.full.kind) {
    throw new Error(`${system.name}: its ${workload.name} settings are of kind ${own.kind}, the workload's of kind ${workload.full.kind}`);
  }
  return own;
}

/**
 * `settings` with its counts and measured period times `f` (`--scale`): messages and warm-up of
 * one-way and request runs (at least 1 measured), the measured period of fan-in and handover runs;
 * time limits, connections and windows unchanged (idle runs: nothing to scale).
 */
export function scaledSettings(settings: WorkloadSettings, f: number): WorkloadSettings {
  const n = (x: number): number => Math.max(1, Math.round(x * f));
  switch (settings.kind) {
    case 'requests':
    case 'one-way': {
      const warmup = Math.round(settings.warmup * f);
      return { ...settings, warmup, total: Math.max(warmup + 1, n(settings.total)) };
    }
    case 'fan-in':
    case 'handover':
      return { ...settings, durationMs: n(settings.durationMs) };
    case 'idle':
      return settings;
  }
}
