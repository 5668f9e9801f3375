import { expect } from 'chai';
import { concat, ignoreElements, of, take } from 'rxjs';
import {
  AddressError,
  BUILT_IN_TRANSPORTS,
  createClient,
  createServer,
  memoryTransport,
  tcpTransport,
  type Transport,
} from '@rxmsg/node';
import { TextEcho, echo, pings, pongs } from './echo-protocol';
import { rejection, thrown } from './config-expectations';

/** Sends pings `from`..`to - 1` to `connect` and resolves with the replies once all arrived. */
async function exchange(connect: string, transports: readonly Transport[] | undefined, from: number, to: number): Promise<unknown[]> {
  const got: unknown[] = [];
  const client = createClient({
    connect,
    ...(transports === undefined ? {} : { transports }),
    protocol: TextEcho,
    processor: (in$) => concat(of(...pings(from, to)), in$.pipe(take(to - from), ignoreElements())),
  });
  client.messages$.subscribe((m) => got.push(m));
  await client.closed;
  return got;
}

/** A transport that serves what `inner` serves and counts the listens and dials it made. */
function counting(inner: Transport): Transport & { listens: number; dials: number } {
  const t = {
    schemes: inner.schemes,
    listens: 0,
    dials: 0,
    listen: (...args: Parameters<Transport['listen']>) => {
      t.listens++;
      return inner.listen(...args);
    },
    connect: (...args: Parameters<Transport['connect']>) => {
      t.dials++;
      return inner.connect(...args);
    },
  };
  return t;
}

describe('@rxmsg/node: `transports` adds to the built-in transports', () => {
  it('a custom memory:// transport and a built-in tcp:// listener serve one server', async () => {
    const memory = memoryTransport();
    const server = await createServer({ listen: ['memory://app:0', 'tcp://127.0.0.1:0'], transports: [memory], protocol: TextEcho, processor: echo });
    try {
      const [memoryAddress, tcpAddress] = server.addresses();
      expect(memoryAddress).to.match(/^memory:\/\/app:\d+$/);
      expect(tcpAddress).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      // The client side too: memory:// from the transport given, tcp:// from the built-ins.
      expect(await exchange(memoryAddress!, [memory], 0, 3)).to.deep.equal(pongs(0, 3));
      expect(await exchange(tcpAddress!, [memory], 3, 6)).to.deep.equal(pongs(3, 6));
    } finally {
      await server.close();
    }
  });

  it('a transport given for a scheme a built-in one serves wins for that scheme, on both sides', async () => {
    const mine = counting(tcpTransport());
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', transports: [mine], protocol: TextEcho, processor: echo });
    try {
      expect(mine.listens).to.equal(1);
      expect(await exchange(server.addresses()[0]!, [mine], 0, 2)).to.deep.equal(pongs(0, 2));
      expect(mine.dials).to.equal(1);
    } finally {
      await server.close();
    }
  });

  it('builtInTransports: false uses only the transports given', async () => {
    const memory = memoryTransport();
    const error = await rejection(
      createServer({ listen: ['memory://app:0', 'tcp://127.0.0.1:0'], transports: [memory], builtInTransports: false, protocol: TextEcho, processor: echo }),
    );
    expect(error).to.be.instanceOf(AddressError);
    expect(error).to.include({ code: 'ADDRESS_INVALID', address: 'tcp://127.0.0.1:0' });
    const dialled = thrown(() => createClient({ connect: 'tcp://127.0.0.1:1', transports: [memory], builtInTransports: false, protocol: TextEcho }));
    expect(dialled).to.be.instanceOf(AddressError);
    // Without any transport at all, nothing is served.
    expect(await rejection(createServer({ listen: 'tcp://127.0.0.1:0', builtInTransports: false, protocol: TextEcho, processor: echo }))).to.be.instanceOf(
      AddressError,
    );
  });

  it('the built-in transports serve tcp, unix, tls, ws, wss and soe', () => {
    expect(BUILT_IN_TRANSPORTS.flatMap((t) => t.schemes)).to.have.members(['tcp', 'unix', 'tls', 'ws', 'wss', 'soe']);
    expect(Object.isFrozen(BUILT_IN_TRANSPORTS)).to.equal(true);
  });
});
