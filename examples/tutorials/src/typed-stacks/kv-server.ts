import { EMPTY, map, mergeMap, of, take } from 'rxjs';
import { createCompositeServer, serverStage, type ServerProcessor } from '@rxmsg/node';
import { AuthProtocol, KvProtocol } from './kv-protocols';

// #region state
/** What the server knows about a connection: `user` is set by the login stage. */
export interface KvState {
  user: string | undefined;
}

/** The state the kv stage requires: a logged-in connection. */
export type LoggedIn = KvState & { user: string };

/** The kv stage's guard: checked each time the router enters the stage, and it narrows the state's type. */
export const loggedIn = (state: KvState): state is LoggedIn => state.user !== undefined;
// #endregion state

/** Checks one `Login` against `users` (user name → password); on success, records the user. */
export function authProcessor(users: ReadonlyMap<string, string>): ServerProcessor<typeof AuthProtocol, KvState> {
  return (incoming$, peer) =>
    incoming$.pipe(
      take(1),
      map((login) => {
        if (users.get(login.user) !== login.password) return { op: 'Denied', reason: 'unknown user or wrong password' } as const;
        peer.state.user = login.user;
        return { op: 'Welcome', user: login.user } as const;
      }),
    );
}

// #region kv
/** Each user's keys, kept apart. `peer.state.user` is a `string` here: no `?? 'anonymous'`, no `!`. */
export function kvProcessor(store: Map<string, string>): ServerProcessor<typeof KvProtocol, LoggedIn> {
  return (incoming$, peer) =>
    incoming$.pipe(
      mergeMap((m) => {
        const key = `${peer.state.user}/${m.key}`;
        if (m.op === 'Put') {
          store.set(key, m.value);
          return EMPTY;
        }
        return of({ op: 'Value', key: m.key, value: store.get(key) ?? null } as const);
      }),
    );
}
// #endregion kv

// #region server
/**
 * Start the key-value server: each connection logs in (text), then reads and writes its keys
 * (binary), on one socket.
 * @param listen - e.g. `tcp://127.0.0.1:0`.
 * @param users - who may log in: user name → password.
 */
export function startKvServer(listen: string, users: ReadonlyMap<string, string>) {
  const store = new Map<string, string>();
  return createCompositeServer({
    listen,
    stages: {
      auth: serverStage(AuthProtocol, authProcessor(users)),
      // Without `requires`, this line does not compile: kvProcessor needs `user: string`.
      kv: serverStage(KvProtocol, kvProcessor(store), { requires: loggedIn }),
    },
    initialState: (): KvState => ({ user: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && state.user !== undefined ? 'kv' : null),
    // #region config
    // Every message the processors send is checked against its schema, except under NODE_ENV=production.
    config: { validateOutbound: 'development' },
    // #endregion config
  });
}
// #endregion server
