import { Subject, defer, filter, finalize, map, take } from 'rxjs';
import { createCompositeServer, rpc, serverStage, type ServerMessage } from '@rxmsg/node';
import { Auth, Kv } from './protocols';

/** What the server knows about a connection: `user` is set by the login stage. */
export interface KvState { user: string | undefined }
/** The kv stage's guard: only logged-in connections enter it, and its processor sees `user: string`. */
const loggedIn = (state: KvState): state is KvState & { user: string } => state.user !== undefined;
const kv = rpc(Kv);
type Changed = Extract<ServerMessage<typeof Kv>, { kind: 'Changed' }>;

/**
 * Start the key-value server: each connection logs in (text), then gets, puts and watches keys
 * (binary), on one socket. A watcher that reads slowly loses old `Changed`, never a reply.
 * @param listen - e.g. `tcp://127.0.0.1:0`.
 * @param users - who may log in: user name → password.
 * @returns the server, and how many watches are running (their handlers not yet ended).
 */
export async function startKvServer(listen: string, users: ReadonlyMap<string, string>) {
  const store = new Map<string, string>();
  const changes = new Subject<Changed>();
  let watches = 0;
  const server = await createCompositeServer({
    listen,
    stages: {
      auth: serverStage<typeof Auth, KvState>(Auth, (in$, peer) =>
        in$.pipe(take(1), map((m) => {
          if (users.get(m.user) !== m.password) return { kind: 'Denied', reason: 'bad credentials' } as const;
          peer.state.user = m.user;
          return { kind: 'Welcome', user: m.user } as const;
        }))),
      kv: serverStage(Kv, (in$, peer) =>
        in$.pipe(kv.respond(peer, {
          Get: ({ key }) => ({ kind: 'Value', key, value: store.get(key) ?? null }),
          Put: ({ key, value }) => {
            store.set(key, value);
            changes.next({ kind: 'Changed', key, value, by: peer.state.user });
            return { kind: 'Ok' };
          },
          // Ends when the client unsubscribes ($cancel) or its connection closes.
          Watch: ({ key }) => defer(() => (watches++, changes.pipe(filter((c) => c.key === key), finalize(() => watches--)))),
        })), { requires: loggedIn }),
    },
    initialState: (): KvState => ({ user: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && state.user !== undefined ? 'kv' : null),
    config: { lanes: { notify: { limit: 8, policy: 'drop-oldest', priority: 1 } } } as const,
  });
  return { server, watches: () => watches };
}
