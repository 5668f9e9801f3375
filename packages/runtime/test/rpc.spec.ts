import { expect } from 'chai';
import { Observable, from, Subject, filter, firstValueFrom, ignoreElements, lastValueFrom, map, switchMap, take, tap, toArray, type Subscription } from 'rxjs';
import { z } from 'zod';
import { ClosedError, RemoteError, RequestLimitError, defineProtocol, type ServerProcessor } from '@rxmsg/core';
import { clientStage, createClient, createCompositeClient, createServer, memoryTransport, rpc, type ConnectionEvent, type ServerEvent } from '@rxmsg/runtime';
import { Kv } from './support/kv-protocol';

const kv = rpc(Kv);

/** Reads everything, answers nothing, ends with its input. */
const silent: ServerProcessor<typeof Kv> = (in$) => in$.pipe(ignoreElements());

/** A store with watchers: `Changed` is pushed to each watcher of a key on `Put`. */
function kvServer(options: { concurrency?: number; onWatchEnd?: () => void; gate?: Promise<void> } = {}) {
  const store = new Map<string, string>();
  const changes = new Subject<{ key: string; value: string }>();
  const processor: ServerProcessor<typeof Kv> = (in$, peer) =>
    in$.pipe(
      kv.respond(
        peer,
        {
          Get: async ({ key }) => {
            await options.gate;
            return { kind: 'Value', key, value: store.get(key) ?? null };
          },
          Put: ({ key, value }) => {
            store.set(key, value);
            changes.next({ key, value });
            return { kind: 'Ok' };
          },
          Watch: ({ key }) =>
            new Observable<{ kind: 'Changed'; key: string; value: string }>((subscriber) => {
              const sub = changes.pipe(filter((c) => c.key === key)).subscribe((c) => subscriber.next({ kind: 'Changed', ...c }));
              return () => {
                sub.unsubscribe();
                options.onWatchEnd?.();
              };
            }),
        },
        { ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }), others: (others$) => others$.pipe(map((n) => ({ kind: 'Note', text: `echo ${n.kind === 'Note' ? n.text : n.kind}` }) as const)) },
      ),
    );
  return { store, processor };
}

async function start(processor: ServerProcessor<typeof Kv>, clientProcessor?: Parameters<typeof createClient<typeof Kv>>[0]['processor'], config: { maxRequestsInFlight?: number } = {}) {
  const memory = memoryTransport();
  const server = await createServer({ listen: 'memory://kv:0', transports: [memory], protocol: Kv, processor });
  const serverEvents: ServerEvent[] = [];
  server.events$.subscribe((e) => serverEvents.push(e));
  const client = createClient({
    connect: server.addresses()[0]!,
    transports: [memory],
    protocol: Kv,
    ...(clientProcessor === undefined ? {} : { processor: clientProcessor }),
    config,
  });
  const clientEvents: ConnectionEvent[] = [];
  client.events$.subscribe((e) => {
    if ('peerId' in e) clientEvents.push(e as ConnectionEvent);
  });
  return { memory, server, client, serverEvents, clientEvents, close: async () => (await client.close(), await server.close()) };
}

/** Resolve once `events` holds one that `match`es (checked each turn, bounded). */
async function eventually<T>(events: T[], match: (e: T) => boolean): Promise<T> {
  for (let i = 0; i < 2_000; i++) {
    const found = events.find(match);
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('event never came');
}

describe('rpc: request/response over the memory transport', () => {
  it('answers single requests, typed, with the correlation field removed', async () => {
    const { client, close } = await start(kvServer().processor);
    const ok = await kv.request(client, { kind: 'Put', key: 'a', value: '1' });
    expect(ok).to.deep.equal({ kind: 'Ok' });
    const [a, b] = await Promise.all([kv.request(client, { kind: 'Get', key: 'a' }), kv.request(client, { kind: 'Get', key: 'b' })]);
    expect(a).to.deep.equal({ kind: 'Value', key: 'a', value: '1' });
    expect(b).to.deep.equal({ kind: 'Value', key: 'b', value: null });
    await close();
  });

  it('streams replies to a request-stream until it is unsubscribed, and the cancel reaches the handler', async () => {
    let ended = 0;
    const { client, close } = await start(kvServer({ onWatchEnd: () => ended++ }).processor);
    const seen: string[] = [];
    const watch = kv.request$(client, { kind: 'Watch', key: 'k' }).subscribe((c) => seen.push(c.value));
    // The Watch is registered before the Puts are handled: requests of one connection are handled in order.
    await kv.request(client, { kind: 'Put', key: 'k', value: 'x' });
    await kv.request(client, { kind: 'Put', key: 'other', value: 'y' });
    await kv.request(client, { kind: 'Put', key: 'k', value: 'z' });
    await eventually([seen], (s) => s.length === 2);
    expect(seen).to.deep.equal(['x', 'z']);
    watch.unsubscribe();
    await eventually([0], () => ended === 1);
    await close();
  });

  it('passes messages that are not requests to `others`, and replies without an id are ordinary messages', async () => {
    const { client, close } = await start(kvServer().processor);
    const note = firstValueFrom(client.messages$.pipe(filter((m) => m.kind === 'Note')));
    client.send({ kind: 'Note', text: 'hi' });
    // A request message without correlation id is not a request either.
    expect(await note).to.deep.equal({ kind: 'Note', text: 'echo hi' });
    const get = firstValueFrom(client.messages$.pipe(filter((m) => m.kind === 'Note'), take(1)));
    client.send({ kind: 'Get', key: 'x' });
    expect(await get).to.deep.equal({ kind: 'Note', text: 'echo Get' });
    await close();
  });

  it('lets the server request the client, answered by the client\'s respond()', async () => {
    const answers: unknown[] = [];
    const server: ServerProcessor<typeof Kv> = (in$, peer) => {
      void kv.request(peer, { kind: 'Probe' }).then((r) => answers.push(r), (e: unknown) => answers.push(e));
      return in$.pipe(kv.respond(peer, {}));
    };
    const { close } = await start(server, (in$, peer) => in$.pipe(kv.respond(peer, { Probe: () => ({ kind: 'Probed', load: 0.5 }) })));
    await eventually(answers, () => true);
    expect(answers).to.deep.equal([{ kind: 'Probed', load: 0.5 }]);
    await close();
  });

  it('answers a handler that throws with HANDLER_FAILED, reports it, and keeps the connection', async () => {
    const server: ServerProcessor<typeof Kv> = (in$, peer) =>
      in$.pipe(
        kv.respond(peer, {
          Get: () => {
            throw new Error('store down');
          },
          Put: () => {
            throw new RemoteError('READ_ONLY', 'the store is read-only');
          },
        }),
      );
    const { client, serverEvents, close } = await start(server);
    const failed = await kv.request(client, { kind: 'Get', key: 'a' }).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(RemoteError);
    expect((failed as RemoteError).remoteCode).to.equal('HANDLER_FAILED');
    const refused = await kv.request(client, { kind: 'Put', key: 'a', value: 'b' }).catch((e: unknown) => e);
    expect((refused as RemoteError).remoteCode).to.equal('READ_ONLY');
    const reported = await eventually(serverEvents, (e) => e.type === 'processor-error');
    expect(reported.type === 'processor-error' && reported.error.code).to.equal('PROCESSOR_FAILED');
    // Still connected: an unhandled request is answered UNHANDLED.
    const unhandled = await lastValueFrom(kv.request$(client, { kind: 'Watch', key: 'a' })).catch((e: unknown) => e);
    expect((unhandled as RemoteError).remoteCode).to.equal('UNHANDLED');
    expect(serverEvents.some((e) => e.type === 'disconnected')).to.equal(false);
    await close();
  });

  it('answers a handler that produces no message with HANDLER_FAILED instead of sending a bad frame', async () => {
    const server: ServerProcessor<typeof Kv> = (in$, peer) =>
      // Untyped code: the handler returns nothing.
      in$.pipe(kv.respond(peer, { Get: (() => undefined) as unknown as () => { kind: 'Value'; key: string; value: null } }));
    const { client, serverEvents, close } = await start(server);
    const failed = await kv.request(client, { kind: 'Get', key: 'a' }).catch((e: unknown) => e);
    expect((failed as RemoteError).remoteCode).to.equal('HANDLER_FAILED');
    await eventually(serverEvents, (e) => e.type === 'processor-error');
    expect(await kv.request(client, { kind: 'Put', key: 'a', value: 'b' }).catch((e: unknown) => (e as RemoteError).remoteCode)).to.equal('UNHANDLED');
    await close();
  });

  it('answers requests past the responder\'s concurrency with BUSY, never queuing them', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { client, serverEvents, close } = await start(kvServer({ concurrency: 2, gate }).processor);
    const calls = [1, 2, 3, 4].map((i) => kv.request(client, { kind: 'Get', key: String(i) }).catch((e: unknown) => e));
    const busy = await Promise.race([calls[2], calls[3]]);
    expect((busy as RemoteError).remoteCode).to.equal('BUSY');
    open();
    const results = await Promise.all(calls);
    expect(results.slice(0, 2)).to.deep.equal([
      { kind: 'Value', key: '1', value: null },
      { kind: 'Value', key: '2', value: null },
    ]);
    expect(results.slice(2).map((e) => (e as RemoteError).remoteCode)).to.deep.equal(['BUSY', 'BUSY']);
    expect(serverEvents.filter((e) => e.type === 'message-dropped' && e.cause === 'busy')).to.have.length(2);
    await close();
  });

  it('fails a request past maxRequestsInFlight at once with a RequestLimitError', async () => {
    const { client, close } = await start(silent, undefined, { maxRequestsInFlight: 2 });
    await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
    const first = kv.request$(client, { kind: 'Watch', key: 'a' }).subscribe({ error: () => {} });
    const second = kv.request$(client, { kind: 'Watch', key: 'b' }).subscribe({ error: () => {} });
    const third = await kv.request(client, { kind: 'Get', key: 'c' }).catch((e: unknown) => e);
    expect(third).to.be.instanceOf(RequestLimitError);
    expect((third as RequestLimitError).limit).to.equal(2);
    first.unsubscribe();
    // A slot is free again.
    const fourth: Subscription = kv.request$(client, { kind: 'Watch', key: 'd' }).subscribe({ error: () => expect.fail('refused') });
    second.unsubscribe();
    fourth.unsubscribe();
    await close();
  });

  it('fails the outstanding requests with ClosedError when the connection closes', async () => {
    const { client, server, close } = await start(silent);
    await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
    const pending = [kv.request(client, { kind: 'Get', key: 'a' }).catch((e: unknown) => e), firstValueFrom(kv.request$(client, { kind: 'Watch', key: 'a' }).pipe(toArray())).catch((e: unknown) => e)];
    await server.close();
    const results = await Promise.all(pending);
    for (const r of results) expect(r).to.be.instanceOf(ClosedError);
    await close();
  });

  it('cancels the outstanding requests on close(): the server ends its watch and its side, and close() does not wait for the deadline', async () => {
    let ended = 0;
    const memory = memoryTransport();
    const server = await createServer({ listen: 'memory://kv:0', transports: [memory], protocol: Kv, processor: kvServer({ onWatchEnd: () => ended++ }).processor });
    const serverEvents: ServerEvent[] = [];
    server.events$.subscribe((e) => serverEvents.push(e));
    // A deadline far past the test's timeout: close() must end because the server ended its side.
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Kv, config: { flushTimeoutMs: 600_000 } });
    const watch = firstValueFrom(kv.request$(client, { kind: 'Watch', key: 'k' }).pipe(toArray())).catch((e: unknown) => e);
    await kv.request(client, { kind: 'Put', key: 'other', value: 'x' }); // handled after the Watch
    await client.close();
    expect(await watch).to.be.instanceOf(ClosedError);
    expect(ended).to.equal(1);
    const gone = await eventually(serverEvents, (e) => e.type === 'disconnected');
    expect(gone).to.include({ reason: 'completed' });
    expect(serverEvents.filter((e) => e.type === 'message-dropped' || e.type === 'processor-error')).to.deep.equal([]);
    await server.close();
  });

  it('reports a reply that matches no request (late, forged) as message-dropped and drops it', async () => {
    const forged: ServerProcessor<typeof Kv> = (in$, peer) => {
      // The correlation field is not in the typed messages: a forged reply goes through the untyped peer.
      (peer.send as (m: unknown) => boolean)({ kind: 'Value', key: 'x', value: null, rid: 77 });
      (peer.send as (m: unknown) => boolean)({ kind: '$end', rid: 78 });
      (peer.send as (m: unknown) => boolean)({ kind: 'Note', text: 'after' });
      return in$.pipe(ignoreElements());
    };
    const { client, clientEvents, close } = await start(forged);
    const note = await firstValueFrom(client.messages$.pipe(filter((m) => m.kind === 'Note')));
    expect(note).to.deep.equal({ kind: 'Note', text: 'after' });
    const dropped = clientEvents.filter((e) => e.type === 'message-dropped' && e.cause === 'uncorrelated');
    expect(dropped).to.have.length(2);
    await close();
  });

  it('reads the replies of a processor that does not read its input', async () => {
    const got: unknown[] = [];
    const { close } = await start(kvServer().processor, (_in$, peer) => from(kv.request(peer, { kind: 'Get', key: 'a' })).pipe(tap((r) => got.push(r)), ignoreElements()));
    await eventually(got, () => true);
    expect(got).to.deep.equal([{ kind: 'Value', key: 'a', value: null }]);
    await close();
  });

  it('holds a message met while reading for replies until a reader comes, and still reads the reply behind it', async () => {
    const got: unknown[] = [];
    const server: ServerProcessor<typeof Kv> = (in$, peer) => {
      peer.send({ kind: 'Note', text: 'first' });
      return in$.pipe(kv.respond(peer, { Get: ({ key }) => ({ kind: 'Value', key, value: 'v' }) }));
    };
    const reader = new Subject<void>();
    const { memory, close } = await start(server, (in$, peer) => {
      void kv.request(peer, { kind: 'Get', key: 'a' }).then((r) => got.push(r));
      return reader.pipe(
        take(1),
        switchMap(() => in$),
        tap((m) => got.push(m)),
        ignoreElements(),
      );
    });
    // Every byte either way reached its reader: the client read the Note (and holds it) looking for the reply.
    const bytes = ['{"kind":"Get","key":"a","rid":1}\n', '{"kind":"Note","text":"first"}\n', '{"kind":"Value","key":"a","value":"v","rid":1}\n'].join('').length;
    await eventually([0], () => memory.delivered === bytes);
    // The reply behind the held Note reached its request; the Note waits for a reader.
    await eventually(got, () => got.length === 1);
    expect(got).to.deep.equal([{ kind: 'Value', key: 'a', value: 'v' }]);
    reader.next();
    await eventually(got, () => got.length === 2);
    expect(got).to.deep.equal([
      { kind: 'Value', key: 'a', value: 'v' },
      { kind: 'Note', text: 'first' },
    ]);
    await close();
  });

  it('reports the held message as dropped (stage-ended) when its stage ends before reading it', async () => {
    const server: ServerProcessor<typeof Kv> = (in$, peer) => {
      peer.send({ kind: 'Note', text: 'never read' });
      return in$.pipe(kv.respond(peer, { Get: ({ key }) => ({ kind: 'Value', key, value: 'v' }) }));
    };
    const memory = memoryTransport();
    const srv = await createServer({ listen: 'memory://kv-held:0', transports: [memory], protocol: Kv, processor: server });
    const events: unknown[] = [];
    const replies: unknown[] = [];
    const client = createCompositeClient({
      connect: srv.addresses()[0]!,
      transports: [memory],
      // The first stage only waits for its reply; the second reads what comes next.
      stages: {
        ask: clientStage(Kv, (_in$, peer) => from(kv.request(peer, { kind: 'Get', key: 'a' })).pipe(tap((r) => replies.push(r)), ignoreElements())),
        after: clientStage(Kv, (in$) => in$.pipe(take(1), ignoreElements())),
      },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'ask' : previous === 'ask' ? 'after' : null),
    });
    client.events$.subscribe((e) => events.push(e));
    const dropped = await eventually(events, (e) => (e as { type: string }).type === 'message-dropped');
    expect(replies).to.deep.equal([{ kind: 'Value', key: 'a', value: 'v' }]);
    expect(dropped).to.include({ direction: 'in', cause: 'stage-ended' });
    await client.close();
    await srv.close();
  });

  it('fails with ProtocolDefinitionError for a protocol without requests', () => {
    const Plain = defineProtocol({ name: 'plain', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });
    expect(() => rpc(Plain)).to.throw().with.property('code', 'PROTOCOL_INVALID');
  });
});
