/** Test helpers: a client and a server session with fixed random sources. */
import { SoeSession, type SoeClientSessionOptions, type SoeServerSessionOptions } from '@rxmsg/soe';

/** A random source giving `values` in turn, then the last one forever. */
export function fixedRandom(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] as number;
}

/** A client asking for `hello` (session id 0x0a0b0c0d) and a server hosting `hello` and `chat` (CRC seed 0xaabbccdd). */
export function sessionPair(
  client: Partial<Omit<SoeClientSessionOptions, 'role'>> = {},
  server: Partial<Omit<SoeServerSessionOptions, 'role'>> = {},
): [SoeSession, SoeSession] {
  return [
    new SoeSession({ role: 'client', applicationProtocol: 'hello', random: fixedRandom(0x0a0b0c0d), ...client }),
    new SoeSession({ role: 'server', applicationProtocols: ['hello', 'chat'], random: fixedRandom(0xaabbccdd), ...server }),
  ];
}

/** Opens a pair directly (no network) at time `now`. */
export function openPair(pair: [SoeSession, SoeSession], now = 0): [SoeSession, SoeSession] {
  const [client, server] = pair;
  client.start(now);
  server.start(now);
  for (const d of client.poll(now)) server.receive(d, now);
  for (const d of server.poll(now)) client.receive(d, now);
  return pair;
}
