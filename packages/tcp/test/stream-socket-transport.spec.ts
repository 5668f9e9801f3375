import { expect } from 'chai';
import { createConnection } from 'node:net';
import { AcceptError, parseAddress, type Connection, type ListenerError } from '@rxmsg/core';
import { tcpTransport } from '@rxmsg/tcp';
import { eventually } from '@rxmsg/test-utils';

describe('streamSocketTransport listen', () => {
  it('destroys a connection whose handler throws, reports an AcceptError, and goes on accepting', async () => {
    const errors: ListenerError[] = [];
    const accepted: Connection[] = [];
    const boom = new Error('handler failed');
    let calls = 0;
    const listener = await tcpTransport().listen(
      parseAddress('tcp://127.0.0.1:0'),
      (c) => {
        if (++calls === 1) throw boom;
        accepted.push(c);
      },
      { noDelay: true, onError: (e) => errors.push(e) },
    );
    const port = Number(new URL(listener.address).port);
    const dial = () => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.on('error', () => {});
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      return { s, closed };
    };
    try {
      const first = dial();
      await first.closed;
      await eventually(() => errors.length === 1, 5000, 'the report');
      expect(errors[0]).to.be.instanceOf(AcceptError);
      expect(errors[0]!.code).to.equal('ACCEPT_FAILED');
      expect(errors[0]!.cause).to.equal(boom);
      const second = dial();
      await eventually(() => accepted.length === 1, 5000, 'the next connection');
      second.s.destroy();
      accepted[0]!.destroy();
    } finally {
      await listener.close();
    }
  });
});
