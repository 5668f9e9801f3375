import { concat, ignoreElements, of, take, tap } from 'rxjs';
import { clientStage, createCompositeClient, rpc } from '@rxmsg/node';
import { Auth, Kv } from './protocols';

/** The typed request helpers of the kv protocol. */
export const kv = rpc(Kv);
/** Get and Put are idempotent: resent (after logging in again) when a connection is lost before the reply. */
const idempotent = { idempotent: true, timeoutMs: 10_000 } as const;

/**
 * Connect to the key-value server and log in (again on every reconnect).
 * @returns the client, and `get`, `put`, `watch` (a cold Observable: unsubscribing cancels the watch on the server), `close`.
 */
export function connectKv(address: string, user: string, password: string) {
  const client = createCompositeClient({
    connect: address,
    stages: {
      auth: clientStage<typeof Auth, { welcome: boolean }>(Auth, (in$, peer) =>
        concat(of({ kind: 'Login', user, password } as const), in$.pipe(take(1), tap((m) => (peer.state.welcome = m.kind === 'Welcome')), ignoreElements()))),
      kv: clientStage(Kv, (in$) => in$.pipe(ignoreElements())),
    },
    initialState: () => ({ welcome: false }),
    // A denied login ends the stack: the client closes instead of reconnecting.
    router: (state, _peer, previous) => (previous === null ? 'auth' : previous === 'auth' && state.welcome ? 'kv' : null),
    config: { reconnect: { initialMs: 50, maxMs: 1000, factor: 2, jitter: 0.2, maxAttempts: 20, stableAfterMs: 1000 } } as const,
  });
  return {
    client,
    get: (key: string) => kv.request(client, { kind: 'Get', key }, idempotent).then((m) => m.value),
    put: (key: string, value: string) => kv.request(client, { kind: 'Put', key, value }, idempotent).then(() => undefined),
    watch: (key: string) => kv.request$(client, { kind: 'Watch', key }, { idempotent: true }),
    close: () => client.close(),
  };
}
