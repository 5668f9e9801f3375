import { InvalidMessageError, type AnyProtocol, type DecodeError, type Side } from '@rxmsg/core';
import { outboundError } from './outbound-check';

/** One protocol of a stack and the names of the stages that speak it. */
interface Route {
  readonly protocol: AnyProtocol;
  readonly stages: readonly string[];
}

/**
 * Which stages of a stack may carry a message given to a client's `send()`: those whose protocol
 * accepts it, tag and full zod schema, for the sending side. Used by composite clients (and by
 * single-protocol clients under `validateOutbound`) to send a message in the protocol it belongs
 * to, or keep it until a stage speaking that protocol is current.
 */
export class SendRoutes {
  private readonly routes: Route[] = [];

  /**
   * @param side - the side that sends.
   * @param stages - the stack, by stage name.
   */
  constructor(
    private readonly side: Side,
    stages: ReadonlyMap<string, { readonly protocol: AnyProtocol }>,
  ) {
    for (const [name, stage] of stages) {
      const route = this.routes.find((r) => r.protocol === stage.protocol);
      if (route === undefined) this.routes.push({ protocol: stage.protocol, stages: [name] });
      else (route.stages as string[]).push(name); // built here, read-only once the constructor returns
    }
  }

  /**
   * The names of the stages whose protocol accepts `message`, in stack order.
   * @throws {@link @rxmsg/core!DecodeError} when no protocol of the stack accepts it: the first
   * `InvalidMessageError` (a protocol knows its tag but its schema refuses it), else the first
   * protocol's error (`UnknownMessageError`, `MalformedMessageError`).
   */
  stagesFor(message: unknown): readonly string[] {
    let found: readonly string[] | undefined;
    let first: DecodeError | undefined;
    for (const route of this.routes) {
      const error = outboundError(this.side, route.protocol, message);
      if (error === undefined) found = found === undefined ? route.stages : found.concat(route.stages);
      else if (first === undefined || (error instanceof InvalidMessageError && !(first instanceof InvalidMessageError))) first = error;
    }
    if (found !== undefined) return found;
    throw first as DecodeError; // the stack has at least one stage, so one protocol refused it
  }
}
