import type * as TestUtils from '@rxmsg/test-utils';
import type { RunningServer } from '../system-adapter';

/**
 * Seed of the loss systems' proxy: every run drops the same datagrams for the same traffic. The
 * proxy's default, 1, whose drop draws are typical: at 5 % its two streams have no more than 3
 * drops in a row in their first 5,000 datagrams, like 64 % of the seeds 1–200 (2: 30 %, 4 or more:
 * 6 %). Seed 12, used at first, has 4 in a row at datagram 173–176 back to the client: each
 * ping-pong run met them on one retransmitted datagram and waited 12.4 s for the backed-off
 * timeouts, a 1-in-80 event made part of every repetition.
 */
export const FAULT_PROXY_SEED = 1;

let loaded: typeof TestUtils | undefined;

/** `@rxmsg/test-utils`, loaded on first use: only the processes of a loss system pay for it. */
function testUtils(): typeof TestUtils {
  // require() returns `any`: the cast gives it the type of the module it loads.
  loaded ??= require('@rxmsg/test-utils') as typeof TestUtils;
  return loaded;
}

/** `address` (`scheme://host:port[/path]`) with its port replaced by `port`. @throws Error when it has no port. */
export function withPort(address: string, port: number): string {
  const url = new URL(address);
  if (url.port === '') throw new Error(`no port in ${address}`);
  url.port = String(port);
  return url.href;
}

/** The port of `address` (`scheme://host:port[/path]`). @throws Error when it has none. */
export function portOf(address: string): number {
  const url = new URL(address);
  if (url.port === '') throw new Error(`no port in ${address}`);
  return Number(url.port);
}

/**
 * A UDP server behind `udpFaultProxy` from `@rxmsg/test-utils` on loopback, dropping each datagram
 * with probability `drop` in each direction (seeded with {@link FAULT_PROXY_SEED}): the client is
 * given the proxy's address, and closing closes the server, then the proxy. The proxy runs in the
 * server's process, so its relaying (one more receive and send per datagram) shares that CPU.
 */
export async function behindFaultProxy(server: RunningServer, drop: number): Promise<RunningServer> {
  let proxy: TestUtils.UdpFaultProxy;
  try {
    proxy = await testUtils().udpFaultProxy({ upstream: { port: portOf(server.address) }, seed: FAULT_PROXY_SEED, faults: { drop } });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    address: withPort(server.address, proxy.address.port),
    // The server first: its goodbyes to the clients go through the proxy.
    close: async () => {
      try {
        await server.close();
      } finally {
        await proxy.close();
      }
    },
  };
}
