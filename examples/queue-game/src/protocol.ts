import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/**
 * Race to a target (21): players take turns adding 1, 2 or 3 to a running total; whoever
 * brings it exactly to the target wins. Clients join, then move when told it is their turn.
 */
export const RaceProtocol = defineProtocol({
  name: 'race',
  tag: 'kind',
  codec: 'text',
  client: {
    Join: z.object({ name: z.string().min(1).max(32) }),
    Move: z.object({ add: z.number().int().min(1).max(3) }),
  },
  server: {
    Welcome: z.object({ seat: z.number().int(), target: z.number().int() }),
    YourTurn: z.object({ total: z.number().int() }),
    Moved: z.object({ seat: z.number().int(), add: z.number().int(), total: z.number().int() }),
    Rejected: z.object({ reason: z.string() }),
    Over: z.object({ winner: z.number().int() }),
  },
});
