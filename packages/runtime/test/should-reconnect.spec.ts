import { expect } from 'chai';
import { type DisconnectReason } from '@rxmsg/runtime';
import { shouldReconnect } from '@rxmsg/runtime/internal';

describe('shouldReconnect', () => {
  const table: readonly (readonly [DisconnectReason, remoteEndedFirst: boolean, reconnect: boolean])[] = [
    ['shutdown', false, false],
    ['shutdown', true, false],
    ['local-close', false, false],
    ['local-close', true, false],
    ['completed', false, false],
    ['completed', true, true],
    ['remote-closed', true, true],
    ['transport-error', false, true],
    ['timeout', false, true],
    ['idle-timeout', false, true],
    ['handshake-timeout', false, true],
    ['decode-error', false, true],
    ['processor-error', false, true],
    ['send-queue-full', false, true],
    ['rate-limit', false, true],
  ];
  for (const [reason, remoteEndedFirst, expected] of table) {
    it(`${reason}${remoteEndedFirst ? ' after the server ended first' : ''}: ${expected ? 'reconnects' : 'ends the client'}`, () => {
      expect(shouldReconnect(reason, remoteEndedFirst)).to.equal(expected);
    });
  }
});
