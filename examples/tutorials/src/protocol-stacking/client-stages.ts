import { concat, from, ignoreElements, map, of, take, tap } from 'rxjs';
import type { ClientProcessor, Router, ServerMessage } from '@rxmsg/node';
import { GoodbyeProtocol } from './goodbye-protocol';
import { LoginProtocol } from './login-protocol';
import { RoomProtocol } from './room-protocol';

/** What a scripted client does: who it is, what it says, and how many lines it listens to. */
export interface ChatScript {
  readonly user: string;
  readonly password: string;
  /** Lines to say in the room. */
  readonly lines: readonly string[];
  /** Lines to hear in the room, its own included, before it leaves; `lines.length` by default. */
  readonly hear?: number;
}

/** The client's per-connection state: its script and what it saw in each stage. */
export interface ClientChatState {
  readonly script: ChatScript;
  verdict: ServerMessage<typeof LoginProtocol> | undefined;
  readonly heard: ServerMessage<typeof RoomProtocol>[];
  farewell: ServerMessage<typeof GoodbyeProtocol> | undefined;
}

/** Sends the `Login`, keeps the verdict, completes. */
export const loginStage: ClientProcessor<typeof LoginProtocol, ClientChatState> = (incoming$, peer) =>
  concat(
    of({ kind: 'Login', user: peer.state.script.user, password: peer.state.script.password } as const),
    incoming$.pipe(
      take(1),
      tap((verdict) => (peer.state.verdict = verdict)),
      ignoreElements(),
    ),
  );

/** Says its lines, listens until it heard enough, then sends `Leave`. */
export const chatStage: ClientProcessor<typeof RoomProtocol, ClientChatState> = (incoming$, peer) => {
  const { lines, hear = lines.length } = peer.state.script;
  return concat(
    from(lines.map((text) => ({ kind: 'Say', text }) as const)),
    incoming$.pipe(
      take(hear),
      tap((said) => peer.state.heard.push(said)),
      ignoreElements(),
    ),
    of({ kind: 'Leave' } as const),
  );
};

/** Keeps the `Farewell` and answers `Bye`. */
export const goodbyeStage: ClientProcessor<typeof GoodbyeProtocol, ClientChatState> = (incoming$, peer) =>
  incoming$.pipe(
    take(1),
    tap((farewell) => (peer.state.farewell = farewell)),
    map(() => ({ kind: 'Bye' }) as const),
  );

/** The client's route mirrors the server's: login, chat only if welcomed, goodbye, the end. */
export const clientRouter: Router<ClientChatState, 'login' | 'chat' | 'goodbye'> = (state, _peer, previous) => {
  switch (previous) {
    case null:
      return 'login';
    case 'login':
      return state.verdict?.kind === 'Welcome' ? 'chat' : null;
    case 'chat':
      return 'goodbye';
    case 'goodbye':
      return null;
  }
};
