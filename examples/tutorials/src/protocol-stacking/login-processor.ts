import { map, take } from 'rxjs';
import type { ServerProcessor } from '@rxmsg/node';
import type { ChatState } from './chat-router';
import { LoginProtocol } from './login-protocol';

/**
 * Checks one `Login` against `users` (user name → password). On success it records the user in
 * the connection's state and answers `Welcome`; otherwise it answers `Denied`. Either way it
 * completes after that one message, and the router decides what comes next.
 */
export function loginProcessor(users: ReadonlyMap<string, string>): ServerProcessor<typeof LoginProtocol, ChatState> {
  return (incoming$, peer) =>
    incoming$.pipe(
      take(1),
      map((login) => {
        if (users.get(login.user) !== login.password) {
          return { kind: 'Denied', reason: 'unknown user or wrong password' } as const;
        }
        peer.state.user = login.user;
        return { kind: 'Welcome', user: login.user, id: peer.id } as const;
      }),
    );
}
