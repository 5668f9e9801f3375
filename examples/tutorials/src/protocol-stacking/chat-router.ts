import type { Router } from '@rxmsg/node';

/** What the server knows about one connection; the same object goes through login, chat and goodbye. */
export interface ChatState {
  /** Set by the login stage once the password matched. */
  user: string | undefined;
  /** Lines this connection said in the room. */
  said: number;
}

/** The state of a logged-in connection: what the chat stage requires. */
export type LoggedIn = ChatState & { user: string };

/** The chat stage's guard: checked when the router enters the stage; it narrows the state's type. */
export const loggedIn = (state: ChatState): state is LoggedIn => state.user !== undefined;

/** A fresh state for each new connection. */
export const initialChatState = (): ChatState => ({ user: undefined, said: 0 });

/** The server's route through the stack: login, then chat if the login succeeded, then goodbye, then the end. */
export const chatRouter: Router<ChatState, 'login' | 'chat' | 'goodbye'> = (state, _peer, previous) => {
  switch (previous) {
    case null:
      return 'login';
    case 'login':
      return state.user === undefined ? null : 'chat';
    case 'chat':
      return 'goodbye';
    case 'goodbye':
      return null;
  }
};
