import { expect } from 'chai';
import { EMPTY, ignoreElements, map } from 'rxjs';
import type { ClientMessage, ClientProcessor, EffectiveConfig, ServerMessage, ServerProcessor } from '@rxmsg/core';
import {
  clientStage,
  createCompositeClient,
  createCompositeServer,
  memoryTransport,
  serverStage,
  type ClientStage,
  type CompositeClient,
  type PeerHandle,
  type ServerStage,
  type Stage,
  type StageReceives,
  type StageSends,
} from '@rxmsg/runtime';
import { Auth, Kv, loggedIn, type KvState } from './support/kv-stack';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also asserts something at run time.

/** `true` exactly when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type LoggedIn = KvState & { user: string };

const login: ServerProcessor<typeof Auth, KvState> = () => EMPTY;
/** A processor that needs the narrowed state: `peer.state.user` is a string. */
const kv: ServerProcessor<typeof Kv, LoggedIn> = (in$, peer) => in$.pipe(map((m) => ({ op: 'Value', key: `${peer.state.user.length}:${m.key}`, value: null }) as const));
const router = (state: KvState, _peer: unknown, previous: 'auth' | 'kv' | null): 'auth' | 'kv' | null =>
  previous === null ? 'auth' : previous === 'auth' && state.user !== undefined ? 'kv' : null;

describe('stage types', () => {
  describe('per-stage state narrowing (requires)', () => {
    it('a type guard lets a processor typed with the narrowed state into a stack of the wider state', () => {
      const stage = serverStage(Kv, kv, { requires: loggedIn });
      const typed: Equals<typeof stage, ServerStage<typeof Kv, KvState>> = true;
      const inline = serverStage(Kv, (in$, peer) => {
        const user: Equals<typeof peer.state.user, string> = true;
        return in$.pipe(map((m) => ({ op: 'Value', key: m.key, value: user ? 1 : 0 }) as const));
      }, { requires: (s: KvState): s is LoggedIn => s.user !== undefined });
      const inlineTyped: Equals<typeof inline, ServerStage<typeof Kv, KvState>> = true;
      expect([typed, inlineTyped]).to.deep.equal([true, true]);
      expect(stage.requires?.({ user: undefined })).to.equal(false);
      expect(stage.requires?.({ user: 'ada' })).to.equal(true);
    });

    it('without the guard, a processor typed with the narrowed state does not fit a stack of the wider state', () => {
      // @ts-expect-error the processor needs `user: string`, the stack's state has `user: string | undefined`
      const unguarded: Stage<'server', KvState> = serverStage(Kv, kv);
      // @ts-expect-error a guard returning a plain boolean proves nothing about the state
      const loose: Stage<'server', KvState> = serverStage(Kv, kv, { requires: (s: KvState) => s.user !== undefined });
      // @ts-expect-error a guard that narrows to a state the processor cannot take
      const other: Stage<'server', KvState> = serverStage(Kv, kv, { requires: (s: KvState): s is KvState & { user: undefined } => s.user === undefined });
      // A guard narrowing further than the processor needs is fine (`user: 'root'` is a string).
      const root: Stage<'server', KvState> = serverStage(Kv, kv, { requires: (s: KvState): s is KvState & { user: 'root' } => s.user === 'root' });
      // A plain boolean guard is accepted with a processor of the wide state (checked at run time only).
      const checked: Stage<'server', KvState> = serverStage(Kv, login as unknown as ServerProcessor<typeof Kv, KvState>, { requires: (s: KvState) => s.user !== undefined });
      expect([unguarded, loose, other, root, checked].every((s) => s.side === 'server')).to.equal(true);
    });

    it('createCompositeServer infers the state and accepts the guarded stage; it rejects the unguarded one', async () => {
      const memory = memoryTransport();
      const server = await createCompositeServer({
        listen: 'memory://types:0',
        transports: [memory],
        stages: { auth: serverStage(Auth, login), kv: serverStage(Kv, kv, { requires: loggedIn }) },
        initialState: (): KvState => ({ user: undefined }),
        router,
      });
      type Peer = typeof server extends { connections$: { subscribe(f: (p: infer P) => void): unknown } } ? P : never;
      const handle: Equals<Peer, PeerHandle<KvState, ServerMessage<typeof Auth> | ServerMessage<typeof Kv>>> = true;
      await server.close();
      const unguarded = () =>
        createCompositeServer({
          listen: 'memory://types:0',
          transports: [memory],
          // @ts-expect-error the kv processor needs the narrowed state: the stage needs its guard
          stages: { auth: serverStage(Auth, login), kv: serverStage(Kv, kv) },
          initialState: (): KvState => ({ user: undefined }),
          router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && state.user !== undefined ? 'kv' : null),
        });
      expect([handle, typeof unguarded]).to.deep.equal([true, 'function']);
    });

    it('clientStage narrows the same way', () => {
      interface Client {
        token: string | undefined;
      }
      const withToken = (s: Client): s is Client & { token: string } => s.token !== undefined;
      const put: ClientProcessor<typeof Kv, Client & { token: string }> = (in$, peer) => in$.pipe(map(() => ({ op: 'Get', key: peer.state.token }) as const));
      const stage = clientStage(Kv, put, { requires: withToken });
      const typed: Equals<typeof stage, ClientStage<typeof Kv, Client>> = true;
      // @ts-expect-error the processor needs `token: string`
      const unguarded: Stage<'client', Client> = clientStage(Kv, put);
      expect([typed, unguarded.side]).to.deep.equal([true, 'client']);
    });
  });

  describe('composite client', () => {
    const stages = {
      login: clientStage(Auth, () => EMPTY),
      kv: clientStage(Kv, (in$) => in$.pipe(ignoreElements())),
    };

    it('StageSends and StageReceives are the unions over the stack', () => {
      const sends: Equals<StageSends<typeof stages>, ClientMessage<typeof Auth> | ClientMessage<typeof Kv>> = true;
      const receives: Equals<StageReceives<typeof stages>, ServerMessage<typeof Auth> | ServerMessage<typeof Kv>> = true;
      expect([sends, receives]).to.deep.equal([true, true]);
    });

    it('send() takes the client messages of every stage, messages$ carries their server messages', async () => {
      const client = createCompositeClient({
        connect: 'memory://nobody:1',
        transports: [memoryTransport()],
        stages,
        initialState: () => ({}),
        router: (_s, _p, previous) => (previous === null ? 'login' : previous === 'login' ? 'kv' : null),
        config: { whileDisconnected: 'drop' },
      });
      const typed: Equals<typeof client, CompositeClient<typeof stages, EffectiveConfig<'client', { readonly whileDisconnected: 'drop' }>>> = true;
      type Sent = Parameters<typeof client.send>[0];
      const sent: Equals<Sent, ClientMessage<typeof Auth> | ClientMessage<typeof Kv>> = true;
      type Received = typeof client.messages$ extends { subscribe(f: (m: infer M) => void): unknown } ? M : never;
      const received: Equals<Received, ServerMessage<typeof Auth> | ServerMessage<typeof Kv>> = true;
      // Not connected, 'drop': false. The calls type-check or not:
      expect(client.send({ op: 'Put', key: 'a', value: 1 })).to.equal(false);
      expect(client.send({ op: 'Login', user: 'ada', password: 'x' })).to.equal(false);
      // @ts-expect-error no stage has a Delete message
      expect(() => client.send({ op: 'Delete', key: 'a' })).to.throw();
      // @ts-expect-error Put's value is a number
      expect(() => client.send({ op: 'Put', key: 'a', value: 'one' })).to.throw();
      // @ts-expect-error a server message
      expect(() => client.send({ op: 'Welcome', user: 'ada' })).to.throw();
      await client.close();
      expect([typed, sent, received]).to.deep.equal([true, true, true]);
    });
  });
});
