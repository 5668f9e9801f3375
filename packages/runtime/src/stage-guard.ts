import { StageStateError } from '@rxmsg/core';

/**
 * Check a stage's `requires` guard against the connection's state as the router enters it.
 * Called once per stage entry, only for stages that declare a guard.
 * @throws {@link @rxmsg/core!StageStateError} when the guard returns anything but `true`, or throws (its `cause`).
 */
export function checkStageState<State>(name: string, stage: { readonly requires?: (state: State) => boolean }, state: State): void {
  const requires = stage.requires;
  if (requires === undefined) return;
  let ok: boolean;
  try {
    ok = requires(state);
  } catch (error) {
    throw new StageStateError(name, { cause: error });
  }
  if (ok !== true) throw new StageStateError(name);
}
