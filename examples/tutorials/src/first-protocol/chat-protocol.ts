import { z } from 'zod';
import { defineProtocol, type ClientMessage, type ServerMessage } from '@rxmsg/node';

/**
 * The chat protocol of tutorial 1: clients say lines of text, the server tells who said what.
 * On the wire every message is one line of JSON named by its `kind` field,
 * e.g. `{"kind":"Say","text":"hello"}`.
 */
export const ChatProtocol = defineProtocol({
  name: 'chat',
  tag: 'kind',
  codec: 'text',
  client: {
    Say: z.object({ text: z.string().min(1).max(500) }),
  },
  server: {
    Welcome: z.object({ id: z.number().int() }),
    Said: z.object({ from: z.number().int(), text: z.string() }),
    Error: z.object({ code: z.string(), message: z.string() }),
  },
  // With `onDecodeError: 'reply'`, the server answers bad input with this message and goes on.
  errorReplies: {
    server: (error) => ({ kind: 'Error', code: error.code, message: error.message }),
  },
});

/** What a chat client sends: `{ kind: 'Say'; text: string }`. */
export type ChatClientMessage = ClientMessage<typeof ChatProtocol>;

/** What a chat server sends: a `Welcome`, a `Said` or an `Error`. */
export type ChatServerMessage = ServerMessage<typeof ChatProtocol>;
