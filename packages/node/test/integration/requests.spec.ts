import { expect } from 'chai';
import { Observable, Subject, filter, from, ignoreElements, take, type Subscription } from 'rxjs';
import { z } from 'zod';
import {
  ClosedError,
  RemoteError,
  clientStage,
  createCompositeClient,
  createCompositeServer,
  defineProtocol,
  rpc,
  serverStage,
  type ClientProcessor,
  type ServerEvent,
  type ServerProcessor,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';

/** A text login protocol, stacked under the binary key-value protocol: the user's case in issue 13. */
const Auth = defineProtocol({
  name: 'auth',
  tag: 'kind',
  codec: 'text',
  client: { Login: z.object({ user: z.string(), password: z.string() }) },
  server: { Welcome: z.object({ user: z.string() }) },
  requests: { client: { Login: 'Welcome' } },
});

const Kv = defineProtocol({
  name: 'kv',
  tag: 'kind',
  codec: 'binary',
  client: { Get: z.object({ key: z.string() }), Put: z.object({ key: z.string(), value: z.string() }), Watch: z.object({ key: z.string() }) },
  server: { Value: z.object({ key: z.string(), value: z.string().nullable() }), Ok: z.object({}), Changed: z.object({ key: z.string(), value: z.string() }) },
  requests: { client: { Get: 'Value', Put: 'Ok', Watch: { stream: 'Changed' } } },
});

const auth = rpc(Auth);
const kv = rpc(Kv);

interface State {
  user?: string;
}

/** The KV server: login first, then Get/Put/Watch; a `Get` of `crash` drops the connection the first time. */
async function kvServer() {
  const store = new Map<string, string>();
  const changes = new Subject<{ key: string; value: string }>();
  let watching = 0;
  let crashed = false;
  const login: ServerProcessor<typeof Auth, State> = (in$, peer) =>
    in$.pipe(
      take(1),
      auth.respond(peer, {
        Login: ({ user, password }) => {
          if (password !== 'secret') throw new RemoteError('DENIED', 'bad password');
          peer.state.user = user;
          return { kind: 'Welcome', user };
        },
      }),
    );
  const store$: ServerProcessor<typeof Kv, State> = (in$, peer) =>
    in$.pipe(
      kv.respond(peer, {
        Get: ({ key }) => {
          if (key === 'crash' && !crashed) {
            crashed = true;
            peer.cancelAndClose();
          }
          return { kind: 'Value', key, value: store.get(key) ?? null };
        },
        Put: ({ key, value }) => {
          store.set(key, value);
          changes.next({ key, value });
          return { kind: 'Ok' };
        },
        Watch: ({ key }) =>
          new Observable<{ kind: 'Changed'; key: string; value: string }>((subscriber) => {
            watching++;
            const sub = changes.pipe(filter((c) => c.key === key)).subscribe((c) => subscriber.next({ kind: 'Changed', ...c }));
            return () => {
              watching--;
              sub.unsubscribe();
            };
          }),
      }),
    );
  const server = await createCompositeServer({
    listen: 'tcp://127.0.0.1:0',
    stages: { auth: serverStage(Auth, login), kv: serverStage(Kv, store$) },
    initialState: (): State => ({}),
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && state.user !== undefined ? 'kv' : null),
  });
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  return { server, events, watching: () => watching };
}

/** A client that logs in on each connection, then speaks KV until closed. */
function kvClient(address: string, password = 'secret') {
  const login: ClientProcessor<typeof Auth> = (_in$, peer) => from(auth.request(peer, { kind: 'Login', user: 'ada', password })).pipe(ignoreElements());
  const speak: ClientProcessor<typeof Kv> = (in$) => in$.pipe(ignoreElements());
  return createCompositeClient({
    connect: address,
    stages: { auth: clientStage(Auth, login), kv: clientStage(Kv, speak) },
    initialState: () => ({}),
    router: (_state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' ? 'kv' : null),
    config: { reconnect: { initialMs: 5, maxMs: 50, factor: 2, jitter: 0, maxAttempts: 5, stableAfterMs: 0 } },
  });
}

describe('requests over TCP: a text login stacked over a binary KV protocol', () => {
  it('gets, puts and watches, and the watch is cancelled on the server when unsubscribed', async () => {
    const { server, watching } = await kvServer();
    const address = server.addresses()[0]!;
    const writer = kvClient(address);
    const watcher = kvClient(address);
    // Requests made before the KV stage is up wait for it.
    expect(await kv.request(writer, { kind: 'Get', key: 'k' }, { timeoutMs: 5_000 })).to.deep.equal({ kind: 'Value', key: 'k', value: null });
    const seen: string[] = [];
    const watch: Subscription = kv.request$(watcher, { kind: 'Watch', key: 'k' }).subscribe((c) => seen.push(c.value));
    await eventually(() => watching() === 1);
    expect(await kv.request(writer, { kind: 'Put', key: 'k', value: 'one' })).to.deep.equal({ kind: 'Ok' });
    await kv.request(writer, { kind: 'Put', key: 'k', value: 'two' });
    await eventually(() => seen.length === 2);
    expect(seen).to.deep.equal(['one', 'two']);
    watch.unsubscribe();
    await eventually(() => watching() === 0);
    expect(await kv.request(writer, { kind: 'Get', key: 'k' })).to.deep.equal({ kind: 'Value', key: 'k', value: 'two' });
    await Promise.all([writer.close(), watcher.close()]);
    await server.close();
  });

  it('resends an idempotent request after the connection drops (logging in again), and fails one that is not', async () => {
    const { server } = await kvServer();
    const client = kvClient(server.addresses()[0]!);
    await kv.request(client, { kind: 'Put', key: 'crash', value: 'kept' });
    const lost = await kv.request(client, { kind: 'Get', key: 'crash' }).catch((e: unknown) => e);
    expect(lost).to.be.instanceOf(ClosedError);
    const again = await kv.request(client, { kind: 'Get', key: 'crash' }, { idempotent: true, timeoutMs: 5_000 });
    expect(again).to.deep.equal({ kind: 'Value', key: 'crash', value: 'kept' });
    await client.close();
    await server.close();
  });

  it('answers a refused login with the handler\'s RemoteError code', async () => {
    const { server, events } = await kvServer();
    const address = server.addresses()[0]!;
    const errors: unknown[] = [];
    const login: ClientProcessor<typeof Auth> = (_in$, peer) =>
      from(auth.request(peer, { kind: 'Login', user: 'eve', password: 'guess' }).catch((e: unknown) => void errors.push(e))).pipe(ignoreElements());
    const client = createCompositeClient({
      connect: address,
      stages: { auth: clientStage(Auth, login) },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'auth' : null),
    });
    await client.closed;
    expect(errors).to.have.length(1);
    expect((errors[0] as RemoteError).remoteCode).to.equal('DENIED');
    // A deliberate answer, not a failure: nothing reported as a processor error.
    expect(events.filter((e) => e.type === 'processor-error')).to.deep.equal([]);
    await server.close();
  });
});
