/**
 * What a room send costs against a hand-written loop over peers: `npm run bench:rooms`.
 *
 * One process, the in-memory transport (no sockets: the cost measured is rxmsg's own), PEERS
 * connections that read and discard. Each round times BROADCASTS sends of one message to every
 * peer, done two ways, alternating round by round: `peer.send` in a loop over a hand-kept list
 * (the message encoded once per peer), and `server.broadcast` (validated and encoded once per
 * protocol, then queued on each peer through its own send path). Only the synchronous send is
 * timed; the queues are drained between sends. Medians of the rounds are reported, for the text
 * and the binary codec. Bounded: ROUNDS x 2 x BROADCASTS sends to PEERS peers per codec.
 */
import { ignoreElements } from 'rxjs';
import { z } from 'zod';
import { createRooms, createServer, defineProtocol, memoryTransport, type Peer } from '@rxmsg/node';
import { runBenchEntry } from './bench-entry';

const PEERS = 1_000;
const ROUNDS = 9;
const BROADCASTS = 20;

const message = {
  kind: 'Line',
  room: 'lobby',
  from: 'someone with a long enough name',
  text: 'a chat line of a typical length, neither tiny nor large, with some words in it; '.repeat(3),
  at: 1_700_000_000_000,
} as const;

function protocol(codec: 'text' | 'binary') {
  return defineProtocol({
    name: `chat-${codec}`,
    tag: 'kind',
    codec,
    client: { Say: z.object({ text: z.string() }) },
    server: { Line: z.object({ room: z.string(), from: z.string(), text: z.string(), at: z.number() }) },
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function run(codec: 'text' | 'binary'): Promise<void> {
  const memory = memoryTransport({ highWaterMark: 1 << 24 });
  const peers: Peer<unknown, unknown, unknown>[] = [];
  const live = await createServer({
    listen: `memory://bench-${codec}-live:0`,
    transports: [memory],
    protocol: protocol(codec),
    processor: (in$, peer) => {
      peers.push(peer as Peer<unknown, unknown, unknown>);
      return in$.pipe(ignoreElements());
    },
    config: { sendQueueLimit: 100_000, sendQueueBytes: 1 << 28, handshakeTimeoutMs: 0 },
    rooms: createRooms(),
  });
  const ends = Array.from({ length: PEERS }, () => memory.dial(live.addresses()[0]!));
  for (const end of ends) end.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
  while (peers.length < PEERS) await settle();
  const loop = (): void => {
    for (const p of peers) p.send(message);
  };
  const room = (): void => {
    live.broadcast(message);
  };
  const check = live.broadcast(message);
  if (check.delivered !== PEERS) throw new Error(`broadcast reached ${check.delivered} of ${PEERS} peers`);
  await settle();
  const times: Record<'loop' | 'room', number[]> = { loop: [], room: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of r % 2 === 0 ? ([['loop', loop], ['room', room]] as const) : ([['room', room], ['loop', loop]] as const)) {
      let total = 0;
      for (let b = 0; b < BROADCASTS; b++) {
        const t0 = process.hrtime.bigint();
        send();
        total += Number(process.hrtime.bigint() - t0);
        await settle();
      }
      times[name].push(total / BROADCASTS / PEERS);
    }
  }
  const l = median(times.loop);
  const m = median(times.room);
  console.log(`${codec.padEnd(6)}  loop of peer.send ${l.toFixed(0).padStart(5)} ns/peer   server.broadcast ${m.toFixed(0).padStart(5)} ns/peer   ratio ${(l / m).toFixed(2)}`);
  for (const end of ends) end.destroy();
  await live.close();
}

async function main(): Promise<void> {
  console.log(`room fan-out to ${PEERS} peers, ${ROUNDS} rounds of ${BROADCASTS} sends, medians (message ${JSON.stringify(message).length} bytes as JSON)`);
  await run('text');
  await run('binary');
}

runBenchEntry({ module, main, exitWhenDone: false });
