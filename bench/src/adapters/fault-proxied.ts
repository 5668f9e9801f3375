import type * as TestUtils from '@rxmsg/test-utils';
import type { RunningServer } from '../system-adapter';

/** Seed of the loss systems' proxy: every run drops the same datagrams for the same traffic. */
export const FAULT_PROXY_SEED = 12;

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
