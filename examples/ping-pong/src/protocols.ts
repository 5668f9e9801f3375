import { z } from 'zod';
import { defineProtocol, type ClientMessage, type DecodeError, type ServerMessage } from '@rxmsg/core';
import { MatchConfigSchema } from './logic/match-config';
import { PLAYERS } from './logic/player';
import { TURN_EVENTS } from './logic/umpire';

/** The pre-game protocol version this implementation speaks. */
export const PROTOCOL_VERSION = 1;

/** Versions a server accepts by default. */
export const SUPPORTED_VERSIONS: readonly number[] = Object.freeze([PROTOCOL_VERSION]);

/** The server's answer to a frame it could not decode, in every protocol: the frame is ignored. */
const errorMessage = z.object({ code: z.string(), message: z.string() });
const errorReply = (error: DecodeError) => ({ kind: 'Error', code: error.code, message: error.message }) as const;

const score = z.object({ client: z.number().int().min(0), server: z.number().int().min(0) });

/**
 * The pre-game protocol (text: one JSON object per line). The client says `Hello` with its
 * protocol version; the server answers `Welcome`, or `Incompatible` and closes. The client
 * then sends its `Config`; the server answers `Start` and both switch to {@link GameProtocol}.
 * Byte-level description in PROTOCOL.md.
 */
export const PreGameProtocol = defineProtocol({
  name: 'pregame',
  tag: 'kind',
  codec: 'text',
  client: {
    Hello: z.object({ version: z.number().int().min(0) }),
    Config: MatchConfigSchema,
  },
  server: {
    Welcome: z.object({ version: z.number().int() }),
    Incompatible: z.object({ version: z.number().int(), supported: z.array(z.number().int()), reason: z.string() }),
    Start: z.object({ match: z.number().int() }),
    Error: errorMessage,
  },
  errorReplies: { server: errorReply },
});

/** The game messages: both players send the same ones, the game is symmetric. */
const gameMessages = {
  Turn: z.object({ n: z.number().int().min(1), player: z.enum(PLAYERS), draw: z.number(), event: z.enum(TURN_EVENTS) }),
  Cancel: z.object({ reason: z.string().max(1000) }),
};

/**
 * The game protocol (binary: 4-byte big-endian length + MessagePack map). The player whose
 * turn it is sends `Turn`; either player sends `Cancel` when the opponent's turn does not
 * check out, then both close. Byte-level description in PROTOCOL.md.
 */
export const GameProtocol = defineProtocol({
  name: 'game',
  tag: 'kind',
  codec: 'binary',
  client: gameMessages,
  server: { ...gameMessages, Error: errorMessage },
  errorReplies: { server: errorReply },
});

/**
 * The goodbye protocol (text). The client endorses the final score; the server answers
 * `Goodbye` (saying whether it agrees) and closes; the client closes too.
 */
export const GoodbyeProtocol = defineProtocol({
  name: 'goodbye',
  tag: 'kind',
  codec: 'text',
  client: { Endorse: z.object({ score }) },
  server: { Goodbye: z.object({ score, agreed: z.boolean() }), Error: errorMessage },
  errorReplies: { server: errorReply },
});

/** Any message of the game protocol, either direction. */
export type GameMessage = ClientMessage<typeof GameProtocol> | ServerMessage<typeof GameProtocol>;
/** A `Turn` of the game protocol. */
export type TurnMessage = Extract<GameMessage, { kind: 'Turn' }>;
/** A `Cancel` of the game protocol. */
export type CancelMessage = Extract<GameMessage, { kind: 'Cancel' }>;
