import { expect } from 'chai';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { AcceptError, ConnectError, TimeoutError, parseAddress, type Connection, type ListenerError } from '@rxmsg/core';
import { tcpTransport, tlsTransport } from '@rxmsg/tcp';
import { activeResources, eventually, leakedResources, stalledListener, tempSocketPath, testCertificate } from '@rxmsg/test-utils';

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

/** The error a connect attempt ends with (or an Error saying it connected). */
async function connectError(observable: ReturnType<ReturnType<typeof tcpTransport>['connect']>): Promise<unknown> {
  return firstValueFrom(observable).then(
    (c) => {
      c.destroy();
      return new Error('connected');
    },
    (e: unknown) => e,
  );
}

/** A plain TCP server on 127.0.0.1 that accepts and never writes a byte (a TLS client's handshake then waits). */
async function silentServer(): Promise<{ readonly server: Server; readonly port: number; readonly close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  const close = (): Promise<void> => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port: address.port, close };
}

describe('streamSocketTransport connect', () => {
  describe('connectTimeoutMs', () => {
    it('TLS: a server that accepts and never answers the handshake fails the attempt with a TimeoutError', async () => {
      const { cert } = await testCertificate();
      const before = await activeResources();
      const silent = await silentServer();
      try {
        const error = await connectError(
          tlsTransport({ client: { ca: cert } }).connect(parseAddress(`tls://127.0.0.1:${silent.port}`), { noDelay: true, connectTimeoutMs: 100 }),
        );
        expect(error).to.be.instanceOf(TimeoutError);
        expect(error).to.have.property('code', 'TIMEOUT');
      } finally {
        await silent.close();
      }
      // The socket of the attempt and its timer are gone.
      expect(await leakedResources(before)).to.deep.equal([]);
    });

    it('TCP: a connect left pending (accept queue full) fails with a TimeoutError', async () => {
      const stalled = await stalledListener();
      try {
        const before = await activeResources();
        const error = await connectError(
          tcpTransport().connect(parseAddress(`tcp://127.0.0.1:${stalled.port}`), { noDelay: true, connectTimeoutMs: 100 }),
        );
        expect(error).to.be.instanceOf(TimeoutError);
        expect(error).to.have.property('code', 'TIMEOUT');
        expect(await leakedResources(before)).to.deep.equal([]);
      } finally {
        await stalled.close();
      }
    });

    it('does not fire once connected, and leaves no timer behind', async () => {
      const t = tcpTransport();
      const accepted: Connection[] = [];
      const listener = await t.listen(parseAddress('tcp://127.0.0.1:0'), (c) => accepted.push(c), { noDelay: true });
      try {
        const before = await activeResources();
        const c = await firstValueFrom(t.connect(parseAddress(listener.address), { noDelay: true, connectTimeoutMs: 60_000 }));
        // Only the connection's socket is new: no 60 s timer.
        expect(await leakedResources(before, ['Timeout'])).to.deep.equal([]);
        c.destroy();
      } finally {
        // The listener's close leaves accepted connections open: they are this test's to close.
        for (const a of accepted) a.destroy();
        await listener.close();
      }
    });
  });

  describe('a refused connection is a ConnectError (CONNECT_FAILED), not a TransportError', () => {
    it('TCP', async () => {
      const silent = await silentServer();
      const port = silent.port;
      await silent.close();
      const error = await connectError(tcpTransport().connect(parseAddress(`tcp://127.0.0.1:${port}`), { noDelay: true, connectTimeoutMs: 5_000 }));
      expect(error).to.be.instanceOf(ConnectError);
      expect(error).to.include({ code: 'CONNECT_FAILED', attempts: 1 });
    });

    it('Unix: no socket at the path', async () => {
      const error = await connectError(tcpTransport().connect(parseAddress(`unix:${tempSocketPath()}`), { noDelay: true }));
      expect(error).to.be.instanceOf(ConnectError);
      expect(error).to.have.property('code', 'CONNECT_FAILED');
    });

    it('TLS', async () => {
      const silent = await silentServer();
      const port = silent.port;
      await silent.close();
      const error = await connectError(tlsTransport().connect(parseAddress(`tls://127.0.0.1:${port}`), { noDelay: true }));
      expect(error).to.be.instanceOf(ConnectError);
      expect(error).to.have.property('code', 'CONNECT_FAILED');
    });
  });
});
