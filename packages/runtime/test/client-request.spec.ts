import { expect } from 'chai';
import { EMPTY, NEVER, Observable, VirtualTimeScheduler, filter, firstValueFrom, ignoreElements, mergeMap, of } from 'rxjs';
import { CancelledError, ClosedError, TimeoutError, type ServerProcessor } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, rpc } from '@rxmsg/runtime';
import { Kv } from './support/kv-protocol';

const kv = rpc(Kv);
const reconnect = { initialMs: 1, maxMs: 5, factor: 2, jitter: 0, maxAttempts: 10, stableAfterMs: 0 } as const;

/**
 * A server that drops the first connection when its first request arrives (unanswered) and
 * answers on every later one; `gets` counts the requests each connection received.
 */
async function flakyServer() {
  const memory = memoryTransport();
  const gets: number[] = [];
  let connections = 0;
  const processor: ServerProcessor<typeof Kv> = (in$, peer) => {
    const n = connections++;
    gets[n] = 0;
    return in$.pipe(
      mergeMap((m) => {
        gets[n]!++;
        if (n === 0) {
          peer.cancelAndClose();
          return EMPTY;
        }
        return of(m).pipe(kv.respond(peer, { Get: ({ key }) => ({ kind: 'Value', key, value: `v${n}` }) }));
      }),
    );
  };
  const server = await createServer({ listen: 'memory://flaky:0', transports: [memory], protocol: Kv, processor });
  const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv, config: { reconnect } });
  return { server, client, gets, close: async () => (await client.close(), await server.close()) };
}

describe('rpc through a client handle', () => {
  it('sends an idempotent request again on the next connection when the connection is lost', async () => {
    const { client, gets, close } = await flakyServer();
    // Made before the first connection is up: it waits for one.
    const value = await kv.request(client, { kind: 'Get', key: 'a' }, { idempotent: true, timeoutMs: 5_000 });
    expect(value).to.deep.equal({ kind: 'Value', key: 'a', value: 'v1' });
    expect(gets).to.deep.equal([1, 1]);
    await close();
  });

  it('fails a request that is not idempotent with ClosedError when the connection is lost, and the client goes on', async () => {
    const { client, gets, close } = await flakyServer();
    const failed = await kv.request(client, { kind: 'Get', key: 'a' }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(ClosedError);
    expect(gets).to.deep.equal([1]);
    await firstValueFrom(client.events$.pipe(filter((e) => e.type === 'protocol-entered')));
    expect(await kv.request(client, { kind: 'Get', key: 'b' })).to.deep.equal({ kind: 'Value', key: 'b', value: 'v1' });
    await close();
  });

  it('fails outstanding and new requests with ClosedError once the client is closed', async () => {
    const memory = memoryTransport();
    const server = await createServer({ listen: 'memory://quiet:0', transports: [memory], protocol: Kv, processor: (in$) => in$.pipe(ignoreElements()) });
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv });
    const pending = kv.request(client, { kind: 'Get', key: 'a' }, { idempotent: true }).catch((e: unknown) => e);
    await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
    await client.close();
    expect(await pending).to.be.instanceOf(ClosedError);
    expect(await kv.request(client, { kind: 'Get', key: 'a' }).catch((e: unknown) => e)).to.be.instanceOf(ClosedError);
    await server.close();
  });

  it('cancels a request waiting for a connection when its signal aborts', async () => {
    const memory = memoryTransport();
    const server = await createServer({ listen: 'memory://later:0', transports: [memory], protocol: Kv, processor: (in$) => in$.pipe(ignoreElements()) });
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv });
    const controller = new AbortController();
    const pending = kv.request(client, { kind: 'Get', key: 'a' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(await pending).to.be.instanceOf(CancelledError);
    await client.close();
    await server.close();
  });

  it('times out on the client\'s scheduler (virtual time), and the cancel reaches the server\'s handler', async () => {
    const memory = memoryTransport();
    let handling = 0;
    const processor: ServerProcessor<typeof Kv> = (in$, peer) =>
      in$.pipe(
        kv.respond(peer, {
          Get: () =>
            new Observable<never>(() => {
              handling++;
              return () => handling--;
            }),
        }),
      );
    const server = await createServer({ listen: 'memory://slow:0', transports: [memory], protocol: Kv, processor });
    const scheduler = new VirtualTimeScheduler();
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv, scheduler, processor: () => NEVER });
    const pending = kv.request(client, { kind: 'Get', key: 'a' }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    for (let i = 0; i < 1_000 && handling === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(handling).to.equal(1);
    scheduler.flush();
    expect(await pending).to.be.instanceOf(TimeoutError);
    for (let i = 0; i < 1_000 && handling === 1; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(handling).to.equal(0);
    void client.close();
    // The close deadline is on virtual time too.
    scheduler.flush();
    await client.closed;
    await server.close();
  });
});
