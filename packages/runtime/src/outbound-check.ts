import { DecodeError, validatesOutbound, type AnyProtocol, type BaseConfig, type Side } from '@rxmsg/core';

/**
 * Why `message` is not one that side `side` may send in `protocol` (the full zod check of the
 * protocol's messages for that side), or `undefined` when it is.
 */
export function outboundError(side: Side, protocol: AnyProtocol, message: unknown): DecodeError | undefined {
  const checked = (side === 'server' ? protocol.server : protocol.client).parse(message);
  return checked instanceof DecodeError ? checked : undefined;
}

/** A stage as the check needs it: the protocol it speaks. */
interface Speaking {
  readonly spec: { readonly protocol: AnyProtocol };
}

/**
 * The outbound check of a session under `validateOutbound` (see `validatesOutbound`): a function
 * that passes a message about to be encoded on `stage`, or hands the {@link DecodeError} to `failed`
 * (which reports it and closes the connection) and refuses it. `undefined` when the config does not
 * ask for it, so that a session without it pays one property read per message.
 */
export function outboundCheck<S extends Speaking>(
  config: Pick<BaseConfig, 'validateOutbound'>,
  side: Side,
  failed: (stage: S, error: DecodeError) => void,
): ((stage: S, message: unknown) => boolean) | undefined {
  if (!validatesOutbound(config)) return undefined;
  return (stage, message) => {
    const error = outboundError(side, stage.spec.protocol, message);
    if (error === undefined) return true;
    failed(stage, error);
    return false;
  };
}
