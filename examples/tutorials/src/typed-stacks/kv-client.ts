import { concat, ignoreElements, of, take, tap } from 'rxjs';
import { clientStage, createCompositeClient, type ClientProcessor, type ServerMessage } from '@rxmsg/node';
import { AuthProtocol, KvProtocol } from './kv-protocols';

/** The client's state: the server's verdict on its login. */
export interface KvClientState {
  verdict: ServerMessage<typeof AuthProtocol> | undefined;
}

/**
 * Connect to the key-value server and log in. The kv stage only listens: the application sends
 * with `client.send()`, typed by both protocols' client messages, and reads `client.messages$`.
 */
export function connectKvClient(address: string, user: string, password: string) {
  const login: ClientProcessor<typeof AuthProtocol, KvClientState> = (incoming$, peer) =>
    concat(
      of({ op: 'Login', user, password } as const),
      incoming$.pipe(
        take(1),
        tap((verdict) => (peer.state.verdict = verdict)),
        ignoreElements(),
      ),
    );
  return createCompositeClient({
    connect: address,
    stages: {
      login: clientStage(AuthProtocol, login),
      kv: clientStage(KvProtocol, (incoming$) => incoming$.pipe(ignoreElements())),
    },
    initialState: (): KvClientState => ({ verdict: undefined }),
    router: (state, _peer, previous) => (previous === null ? 'login' : previous === 'login' && state.verdict?.op === 'Welcome' ? 'kv' : null),
  });
}
