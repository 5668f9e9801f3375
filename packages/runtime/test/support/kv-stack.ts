import { EMPTY, concat, concatMap, ignoreElements, mergeMap, of, take, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import { defineProtocol, type ClientMessage, type ClientProcessor, type ConfigInput, type ServerMessage, type ServerProcessor } from '@rxmsg/core';
import {
  clientStage,
  createCompositeClient,
  createCompositeServer,
  serverStage,
  type ClientEvent,
  type MemoryTransport,
  type PeerHandle,
  type ServerEvent,
} from '@rxmsg/runtime';

/**
 * The stack of the typed-stack tests: a text login protocol, then a binary key-value protocol,
 * as in the user report that motivated typed stacks. Both tag their messages with `op`.
 */
export const Auth = defineProtocol({
  name: 'auth',
  tag: 'op',
  codec: 'text',
  client: { Login: z.object({ user: z.string().min(1), password: z.string() }) },
  server: { Welcome: z.object({ user: z.string() }), Denied: z.object({ reason: z.string() }) },
});

export const Kv = defineProtocol({
  name: 'kv',
  tag: 'op',
  codec: 'binary',
  client: { Put: z.object({ key: z.string(), value: z.number() }), Get: z.object({ key: z.string() }) },
  server: { Value: z.object({ key: z.string(), value: z.number().nullable() }) },
});

/** The server's per-connection state: `user` is set by the login stage. */
export interface KvState {
  user: string | undefined;
  /** Set by a login stage that forgot to set `user` (see `forgetUser`). */
  forgot?: true;
}

/** `requires` of the kv stage: only a logged-in connection may enter it. */
export const loggedIn = (s: KvState): s is KvState & { user: string } => s.user !== undefined;

/** Options of {@link startKvServer}. */
export interface KvServerOptions {
  /** Emits when the login stage may answer (at once when omitted): holds a client in its login stage. */
  readonly release$?: Observable<unknown>;
  /** A login stage that accepts these users' password but forgets to set `user`; the router enters kv anyway. */
  readonly forgetUser?: (user: string) => boolean;
  /** The kv stage's guard; {@link loggedIn} by default. */
  readonly requires?: (s: KvState) => boolean;
  readonly config?: ConfigInput<'server'>;
  /** What the kv stage emits for a `Get` (a correct `Value` by default). */
  readonly answer?: (key: string, peer: { readonly state: KvState & { user: string } }) => unknown;
}

/** The login stage: answers one `Login` (password `secret`) with `Welcome`, anything else with `Denied`. */
function authProcessor(options: KvServerOptions): ServerProcessor<typeof Auth, KvState> {
  return (in$, peer) =>
    in$.pipe(
      take(1),
      concatMap((login) =>
        (options.release$ ?? of(undefined)).pipe(
          take(1),
          concatMap(() => {
            if (login.password !== 'secret') return of({ op: 'Denied', reason: 'wrong password' } as const);
            if (options.forgetUser?.(login.user) === true) peer.state.forgot = true;
            else peer.state.user = login.user;
            return of({ op: 'Welcome', user: login.user } as const);
          }),
        ),
      ),
    );
}

/**
 * Start the key-value server on `memory`: each connection logs in, then speaks kv until the client
 * closes. `received` lists what each kv stage got, as `user: op key`.
 */
export async function startKvServer(memory: MemoryTransport, options: KvServerOptions = {}) {
  const received: string[] = [];
  const store = new Map<string, number>();
  const kv: ServerProcessor<typeof Kv, KvState & { user: string }> = (in$, peer) =>
    in$.pipe(
      tap((m) => received.push(`${peer.state.user}: ${m.op} ${m.key}`)),
      mergeMap((m) => {
        if (m.op === 'Put') {
          store.set(`${peer.state.user}/${m.key}`, m.value);
          return EMPTY;
        }
        const answer = options.answer?.(m.key, peer) ?? { op: 'Value', key: m.key, value: store.get(`${peer.state.user}/${m.key}`) ?? null };
        // The answer of a test that makes the processor emit something invalid, on purpose.
        return of(answer as ServerMessage<typeof Kv>);
      }),
    );
  const server = await createCompositeServer({
    listen: 'memory://kv:0',
    transports: [memory],
    stages: {
      auth: serverStage(Auth, authProcessor(options)),
      kv: options.requires === undefined ? serverStage(Kv, kv, { requires: loggedIn }) : serverStage(Kv, kv as ServerProcessor<typeof Kv, KvState>, { requires: options.requires }),
    },
    initialState: (): KvState => ({ user: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && (state.user !== undefined || state.forgot === true) ? 'kv' : null),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  const peers: PeerHandle<KvState>[] = [];
  server.connections$.subscribe((p) => peers.push(p));
  return { server, events, received, peers, address: server.addresses()[0]! };
}

/** The client's state: the login verdict. */
export interface KvClientState {
  verdict: ServerMessage<typeof Auth> | undefined;
}

/** Options of {@link connectKvClient}. */
export interface KvClientOptions {
  readonly user?: string;
  readonly password?: string;
  /** The login stage sends no `Login` itself: the test sends it with `client.send`. */
  readonly manualLogin?: boolean;
  /** The client's kv stage guard. */
  readonly requires?: (s: KvClientState) => boolean;
  readonly config?: ConfigInput<'client'>;
  /** What the client's kv stage sends itself when it starts. */
  readonly kvFirst?: readonly ClientMessage<typeof Kv>[];
}

/** A composite client of the kv server: logs in, then listens in the kv stage until closed. */
export function connectKvClient(memory: MemoryTransport, address: string, options: KvClientOptions = {}) {
  const login: ClientProcessor<typeof Auth, KvClientState> = (in$, peer) =>
    concat(
      options.manualLogin === true ? EMPTY : of({ op: 'Login', user: options.user ?? 'ada', password: options.password ?? 'secret' } as const),
      in$.pipe(
        take(1),
        tap((verdict) => (peer.state.verdict = verdict)),
        ignoreElements(),
      ),
    );
  const kv: ClientProcessor<typeof Kv, KvClientState> = (in$) => concat(of(...(options.kvFirst ?? [])), in$.pipe(ignoreElements()));
  const client = createCompositeClient({
    connect: address,
    transports: [memory],
    stages: { login: clientStage(Auth, login), kv: options.requires === undefined ? clientStage(Kv, kv) : clientStage(Kv, kv, { requires: options.requires }) },
    initialState: (): KvClientState => ({ verdict: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'login' : previous === 'login' && state.verdict?.op === 'Welcome' ? 'kv' : null),
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  const events: ClientEvent[] = [];
  const messages: unknown[] = [];
  client.events$.subscribe((e) => events.push(e));
  client.messages$.subscribe((m) => messages.push(m));
  return { client, events, messages };
}

/** The events of one type. */
export function ofType<E extends { readonly type: string }, T extends E['type']>(events: readonly E[], type: T): Extract<E, { type: T }>[] {
  return events.filter((e): e is Extract<E, { type: T }> => e.type === type);
}
