import { defineStack } from '@rxmsg/core';
import { GameProtocol, GoodbyeProtocol, PreGameProtocol } from './protocols';

/**
 * The three protocols of a ping-pong connection, in order, with what moves a connection on (the
 * wire view of {@link matchRouter}): what `toAsyncApi` and `rxmsg describe` document, and what
 * `asyncapi.json` next to PROTOCOL.md is generated from.
 */
export const PingPongStack = defineStack({
  name: 'ping-pong',
  description: 'One table-tennis match per connection, between a client and a server sharing one game logic. Byte-level rules, deadlines and worked examples: PROTOCOL.md.',
  stages: [
    {
      name: 'pregame',
      protocol: PreGameProtocol,
      next: 'the server sends Start: both sides switch to game framing; after Incompatible or Error TIMEOUT the server closes the connection',
    },
    {
      name: 'game',
      protocol: GameProtocol,
      next: 'the turn that brings a score to scoreLimit ends the game: both sides switch to goodbye framing; after a Cancel (either side) the connection closes',
    },
    { name: 'goodbye', protocol: GoodbyeProtocol, next: 'the server sends Goodbye (or Error TIMEOUT) and closes; the client closes after reading it' },
  ],
});
