import { DecodeError, type AnyProtocol } from '@rxmsg/core';
import type { Session } from './session';

/** What one delivery to one peer did (`not-found`: no open peer of that id on this server). */
export type PeerDelivery = 'delivered' | 'dropped' | 'skipped' | 'not-found';

/**
 * Whether one message is a server message of each protocol it meets, decided once per protocol:
 * a broadcast to peers of one protocol validates the message once, not once per peer.
 */
export class ProtocolVerdicts {
  private protocol: AnyProtocol | undefined;
  private ok = false;
  private others: Map<AnyProtocol, boolean> | undefined;

  constructor(readonly message: unknown) {}

  /** Whether `protocol`'s server messages accept the message (its full schema). */
  accepts(protocol: AnyProtocol): boolean {
    if (protocol === this.protocol) return this.ok;
    const known = this.others?.get(protocol);
    if (known !== undefined) return known;
    const ok = !(protocol.server.parse(this.message) instanceof DecodeError);
    if (this.protocol === undefined) {
      this.protocol = protocol;
      this.ok = ok;
    } else (this.others ??= new Map()).set(protocol, ok);
    return ok;
  }
}

/**
 * Queue the message of `verdicts` on a server connection, through its own send path (its
 * `onSendQueueFull` policy applies), if the protocol it speaks now accepts it.
 */
export function deliverToSession(session: Session<unknown> | undefined, verdicts: ProtocolVerdicts): PeerDelivery {
  if (session === undefined) return 'not-found';
  const stage = session.currentPeer;
  if (stage === undefined || stage.ended || session.closing) return 'dropped';
  if (!verdicts.accepts(stage.spec.protocol)) return 'skipped';
  return stage.send(verdicts.message) ? 'delivered' : 'dropped';
}
