import type { Side } from '@rxmsg/core';
import type { Stage } from './stage';

/** Stages of a stack for side `W`, keyed by name. */
export type StageMap<W extends Side, State> = Readonly<Record<string, Stage<W, State, Side>>>;


/**
 * Index a stack's stages by name and find the sides for which every stage's protocol
 * defines an error reply (what `onDecodeError: 'reply'` needs).
 */
export function stageTable<W extends Side, State>(
  side: W,
  stages: StageMap<W, State>,
): { stages: Map<string, Stage<Side, State>>; replySides: Side[] } {
  const table = new Map<string, Stage<Side, State>>();
  const replySides = new Set<Side>(['server', 'client']);
  for (const [name, stage] of Object.entries(stages)) {
    if (stage.side !== side) throw new TypeError(`stage "${name}" is a ${stage.side} stage, used on the ${side} side`);
    table.set(name, stage);
    for (const s of ['server', 'client'] as const) if (stage.protocol.errorReplies[s] === undefined) replySides.delete(s);
  }
  if (table.size === 0) throw new TypeError('a stack needs at least one stage');
  return { stages: table, replySides: [...replySides] };
}
