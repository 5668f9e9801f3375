import { expect } from 'chai';
import { ignoreElements, lastValueFrom, Observable } from 'rxjs';
import { MAX_ERROR_CODE_LENGTH, RemoteError, type ServerProcessor } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, rpc, type ClientEvent, type ServerEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { Kv } from './support/kv-protocol';
import { LinePeer } from './support/line-peer';

const kv = rpc(Kv);

async function start(processor: ServerProcessor<typeof Kv>) {
  const memory = memoryTransport();
  const server = await createServer({ listen: 'memory://kv:0', transports: [memory], protocol: Kv, processor });
  const serverEvents: ServerEvent[] = [];
  server.events$.subscribe((e) => serverEvents.push(e));
  const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv, processor: (in$) => in$.pipe(ignoreElements()) });
  const clientEvents: ClientEvent[] = [];
  client.events$.subscribe((e) => clientEvents.push(e));
  return { memory, server, client, serverEvents, clientEvents, close: async () => (await client.close(), await server.close()) };
}

describe('rpc: hostile peers and careless handlers', () => {
  it('cuts a RemoteError code longer than the wire bound instead of sending a frame the requester rejects', async () => {
    const { client, clientEvents, close } = await start((in$, peer) =>
      in$.pipe(
        kv.respond(peer, {
          Get: () => {
            throw new RemoteError('C'.repeat(MAX_ERROR_CODE_LENGTH + 100), 'x'.repeat(5_000));
          },
        }),
      ),
    );
    const failed = await kv.request(client, { kind: 'Get', key: 'a' }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(RemoteError);
    expect((failed as RemoteError).remoteCode).to.equal('C'.repeat(MAX_ERROR_CODE_LENGTH));
    expect(clientEvents.some((e) => e.type === 'decode-error' || e.type === 'disconnected')).to.equal(false);
    await close();
  });

  it('answers a handler that replies with another message than the declared reply HANDLER_FAILED, not silence until the deadline', async () => {
    const { client, serverEvents, close } = await start((in$, peer) =>
      in$.pipe(
        // Untyped code: Get is answered by Value, Watch by Changed.
        kv.respond(peer, { Get: (() => ({ kind: 'Ok' })) as never, Watch: (() => [{ kind: 'Note', text: 'x' }]) as never }),
      ),
    );
    // No deadline: without the check the Get would wait forever (and the Note would reach the client's processor).
    const single = await kv.request(client, { kind: 'Get', key: 'a' }, { timeoutMs: 0 }).catch((e: unknown) => e);
    expect((single as RemoteError).remoteCode).to.equal('HANDLER_FAILED');
    const stream = await lastValueFrom(kv.request$(client, { kind: 'Watch', key: 'a' })).catch((e: unknown) => e);
    expect((stream as RemoteError).remoteCode).to.equal('HANDLER_FAILED');
    await eventually(() => serverEvents.filter((e) => e.type === 'processor-error').length === 2);
    expect(serverEvents.some((e) => e.type === 'disconnected')).to.equal(false);
    await close();
  });

  it('serves a reused rid once, cancels that one, and reports the rest as uncorrelated', async () => {
    let started = 0;
    let ended = 0;
    const { memory, server, serverEvents, close } = await start((in$, peer) =>
      in$.pipe(
        kv.respond(peer, {
          Get: () =>
            new Observable<never>(() => {
              started++;
              return () => ended++;
            }),
        }),
      ),
    );
    const hostile = LinePeer.dial(memory, server.addresses()[0]!);
    hostile.send({ kind: 'Get', key: 'a', rid: 1 });
    hostile.send({ kind: 'Get', key: 'b', rid: 1 }); // same rid while the first is in flight: dropped
    hostile.send({ kind: '$cancel', rid: 1 }); // cancels the first
    hostile.send({ kind: '$cancel', rid: 1 }); // nothing left to cancel
    hostile.send({ kind: '$end', rid: 1 }); // the server sent no request
    hostile.send({ kind: '$error', rid: 1, code: 'X', message: 'forged' });
    await eventually(() => serverEvents.filter((e) => e.type === 'message-dropped' && e.cause === 'uncorrelated').length === 4);
    expect([started, ended]).to.deep.equal([1, 1]);
    expect(hostile.received).to.deep.equal([]);
    hostile.destroy();
    await close();
  });
});
