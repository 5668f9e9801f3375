import { map, take } from 'rxjs';
import { z } from 'zod';
import { createCompositeServer, defineProtocol, serverStage, type ServerProcessor } from '@rxmsg/node';

const Login = defineProtocol({
  name: 'login',
  tag: 'kind',
  client: { Login: z.object({ user: z.string().min(1).max(32) }) },
  server: { Welcome: z.object({}) },
});
const Notes = defineProtocol({
  name: 'notes',
  tag: 'kind',
  codec: 'binary',
  client: { Note: z.object({ text: z.string().max(200) }) },
  server: { Saved: z.object({ by: z.string() }) },
});

const login: ServerProcessor<typeof Login, State> = (in$, peer) =>
  in$.pipe(
    take(1),
    map((m) => {
      peer.state.user = m.user;
      return { kind: 'Welcome' } as const;
    }),
  );

/** The README's typed-stacks sample: a stage that requires a logged-in state, and outbound validation. */
// #region state-guard
interface State {
  user: string | undefined;
}
const loggedIn = (s: State): s is State & { user: string } => s.user !== undefined;

// peer.state.user is a string here: the stage below requires loggedIn, checked on entry.
const notes: ServerProcessor<typeof Notes, State & { user: string }> = (in$, peer) =>
  in$.pipe(map(() => ({ kind: 'Saved', by: peer.state.user }) as const));

export function startNotesServer(listen: string) {
  return createCompositeServer({
    listen,
    stages: { login: serverStage(Login, login), notes: serverStage(Notes, notes, { requires: loggedIn }) },
    initialState: (): State => ({ user: undefined }),
    router: (_state, _peer, previous) => (previous === null ? 'login' : previous === 'login' ? 'notes' : null),
    config: { validateOutbound: 'development' }, // an invalid outbound message fails loudly, except in production
  });
}
// #endregion

export { Login as NotesLogin, Notes };
