import { DecodeError } from '@rxmsg/core';
import type { Session } from './session';

/**
 * Send `message` to a server connection in the protocol it speaks now, after validating it
 * against that protocol's server messages (the full schema): what would fail the peer's
 * validation is never sent.
 * @returns `true` if queued; `false` if the connection speaks no protocol now, is closing or closed,
 * or the send policy refused it.
 * @throws {@link @rxmsg/core!DecodeError} (`UnknownMessageError`, `InvalidMessageError`) for a message the protocol rejects.
 */
export function serverSend(session: Session<unknown>, message: unknown): boolean {
  const stage = session.currentPeer;
  if (stage === undefined || stage.ended || session.closing) return false;
  const checked = stage.spec.protocol.server.parse(message);
  if (checked instanceof DecodeError) throw checked;
  return stage.send(message);
}
