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
