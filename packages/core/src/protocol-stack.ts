import { ProtocolDefinitionError } from './errors';
import type { AnyProtocol } from './protocol';

/** One stage of a {@link ProtocolStack}: a protocol, and what moves a connection on. */
export interface StackStage {
  /** The stage's name, as in the composite server's `stages` (e.g. `pregame`). */
  readonly name: string;
  /** The protocol spoken in the stage. */
  readonly protocol: AnyProtocol;
  /**
   * What ends the stage and where the connection goes next, in words (the router is code, so a
   * document cannot read it): e.g. `the server sends Start: go to game; Incompatible: the server closes`.
   */
  readonly next?: string;
}

/**
 * The protocols a connection goes through, in order, for documents such as {@link toAsyncApi}:
 * the wire-level view of a composite server's `stages` and `router`. Build one with {@link defineStack}.
 */
export interface ProtocolStack {
  /** Name of the stack, e.g. `ping-pong`. */
  readonly name: string;
  /** What the stack is for, in words. */
  readonly description?: string;
  /** The stages, in the order a connection goes through them (the first is where it starts). */
  readonly stages: readonly StackStage[];
}

/** A stage as {@link defineStack} takes it: `protocol` may be a runtime stage (`serverStage(…)`), whose protocol is used. */
export interface StackStageDefinition {
  /** The stage's name: letters, digits, `_` and `-` (it keys the document's channels). */
  readonly name: string;
  /** The protocol spoken in the stage, or a runtime stage carrying it. */
  readonly protocol: AnyProtocol | { readonly protocol: AnyProtocol };
  /** What ends the stage and where the connection goes next, in words. */
  readonly next?: string;
}

/** What {@link defineStack} takes. */
export interface ProtocolStackDefinition {
  /** Name of the stack. */
  readonly name: string;
  /** What the stack is for, in words. */
  readonly description?: string;
  /** The stages, in the order a connection goes through them. */
  readonly stages: readonly StackStageDefinition[];
}

const STAGE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Define a protocol stack: the stages of a composite server, in order, each with its protocol
 * and (in words) what moves a connection to the next one. It describes the wire; it does not
 * run anything, so the same stack can be given to {@link toAsyncApi} and documented with a
 * server's `stages`.
 *
 * @example
 * ```ts
 * import { defineStack } from '@rxmsg/core';
 *
 * export const KvStack = defineStack({
 *   name: 'kv',
 *   stages: [
 *     { name: 'auth', protocol: AuthProtocol, next: 'the server sends Welcome: go to kv; Denied: the server closes' },
 *     { name: 'kv', protocol: KvProtocol },
 *   ],
 * });
 * ```
 * @throws {@link ProtocolDefinitionError} for no stage, a stage name used twice or not made of
 * letters, digits, `_` and `-`, or a stage without a protocol.
 */
export function defineStack(definition: ProtocolStackDefinition): ProtocolStack {
  if (definition.stages.length === 0) throw new ProtocolDefinitionError(`stack ${definition.name} needs at least one stage`);
  const seen = new Set<string>();
  const stages = definition.stages.map((stage): StackStage => {
    if (!STAGE_NAME.test(stage.name)) throw new ProtocolDefinitionError(`stage name "${stage.name}" must be letters, digits, _ and -`);
    if (seen.has(stage.name)) throw new ProtocolDefinitionError(`stage ${stage.name} is defined twice`);
    seen.add(stage.name);
    const given: unknown = stage.protocol;
    const protocol: unknown = isProtocolLike(given) ? given : typeof given === 'object' && given !== null ? (given as { protocol?: unknown }).protocol : undefined;
    if (!isProtocolLike(protocol)) throw new ProtocolDefinitionError(`stage ${stage.name} has no protocol`);
    return Object.freeze({ name: stage.name, protocol, ...(stage.next === undefined ? {} : { next: stage.next }) });
  });
  return Object.freeze({
    name: definition.name,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    stages: Object.freeze(stages),
  });
}

/** Whether `value` has the shape of a protocol (duck-typed: a module may carry its own copy of `@rxmsg/core`). */
function isProtocolLike(value: unknown): value is AnyProtocol {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>; // narrowed above: a non-null object
  return typeof v['name'] === 'string' && typeof v['tag'] === 'string' && typeof v['client'] === 'object' && typeof v['server'] === 'object';
}
