import type { AnyProtocol, InboundOf, OutboundOf, Processor, Side } from '@rxmsg/core';

/**
 * One protocol of a connection and the processor that speaks it on side `W`.
 * A single-protocol server has one stage; a composite server routes a connection through several.
 */
export interface Stage<W extends Side, P extends AnyProtocol, State> {
  /** The protocol spoken in this stage. */
  readonly protocol: P;
  /** The processor run for each connection entering this stage. */
  readonly processor: Processor<InboundOf<P, W>, OutboundOf<P, W>, State>;
}

/** A stage with its message types erased, as the runtime stores it. */
export interface ErasedStage<State> {
  readonly protocol: AnyProtocol;
  readonly processor: Processor<unknown, unknown, State>;
}

/** Forget a stage's message types: the runtime only hands each processor messages its own protocol decoded. */
export function eraseStage<W extends Side, P extends AnyProtocol, State>(stage: Stage<W, P, State>): ErasedStage<State> {
  return stage as unknown as ErasedStage<State>;
}
