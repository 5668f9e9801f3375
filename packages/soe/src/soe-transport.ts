/** The `soe://` transport: rxmsg over SOE reliable UDP. */
import { defer } from 'rxjs';
import { AddressError, TransportError, formatAddress, type Address, type Listener, type Transport } from '@rxmsg/core';
import { formatSoeAddress, soeAddressOf, type SoeAddress } from './soe-address';
import { dialSoe } from './soe-dial';
import { SoeEndpoint, type SoeEndpointStats } from './soe-endpoint';
import { resolveSoeTransportOptions, type SoeTransportOptions } from './soe-transport-options';

/** A {@link Transport} for `soe://` addresses, with the counters of its listening sockets. */
export interface SoeTransport extends Transport {
  /** The counters of the socket bound on `host:port` by this transport's listeners, if any. */
  endpointStats(host: string, port: number): SoeEndpointStats | undefined;
}

/**
 * A transport for `soe://host:port[/applicationProtocol]`: every rxmsg protocol, processor and
 * stack over SOE reliable UDP (protocol version 3), wire-compatible with other SOE peers.
 *
 * - **The application protocol** is the address path (`soe://host:4000/Chat`), `rxmsg` without
 *   one. A client names it in its `SessionRequest`; a server refuses the names it does not host
 *   with `Disconnect(ProtocolMismatch)`. Listeners of one transport on the same `host:port` with
 *   different names share one UDP socket, so one port hosts several protocols or stacks.
 * - **A connection** is one SOE session with `message` framing: each rxmsg frame travels as one
 *   application payload (bundled with others when small, fragmented when large).
 * - **Bounds**: `maxSessions` per socket, `maxUnconfirmedSessions` held for addresses that may
 *   be forged, `maxHeldBytes` while paused, `maxPendingBytes` past a full send queue, the reliable
 *   channel's windows and queues; see {@link SoeTransportOptions}.
 * - **Closing a listener** stops new sessions under its name; the socket closes when the last
 *   session behind it ended.
 *
 * @example
 * ```ts
 * import { createServer, createClient } from '@rxmsg/node';
 * // The built-in transports include soe://; pass soeTransport({...}) to tune it.
 * const server = await createServer({ listen: 'soe://127.0.0.1:4000/PingPong', protocol, processor });
 * const client = createClient({ connect: 'soe://127.0.0.1:4000/PingPong', protocol, processor: clientSide });
 * ```
 * @throws ConfigError when an option is out of range.
 */
export function soeTransport(options: SoeTransportOptions = {}): SoeTransport {
  const resolved = resolveSoeTransportOptions(options);
  /** Bound sockets by `host port`, under the asked and the bound port. */
  const endpoints = new Map<string, SoeEndpoint>();
  const keyOf = (host: string, port: number): string => `${host} ${port}`;
  /** Binds in progress, by the asked `host port`: settled (never rejected) when done. */
  const binding = new Map<string, Promise<void>>();

  return {
    schemes: ['soe'],

    async listen(address, onConnection, listenOptions): Promise<Listener> {
      const target = soeAddressOf(address);
      const key = keyOf(target.host, target.port);
      // Another listen() binding this port right now: share its socket rather than fail to bind a second one.
      const inProgress = target.port === 0 ? undefined : binding.get(key);
      if (inProgress !== undefined) await inProgress;
      let endpoint = target.port === 0 ? undefined : endpoints.get(key);
      if (endpoint === undefined) {
        const fresh = new SoeEndpoint(resolved, (closed) => {
          for (const [k, e] of endpoints) if (e === closed) endpoints.delete(k);
        });
        const binds = fresh.bind(target.host, target.port).then(() => {
          endpoints.set(keyOf(target.host, fresh.port), fresh);
        });
        const settled = binds.catch(() => undefined);
        if (target.port !== 0) binding.set(key, settled);
        try {
          await binds;
        } catch (error) {
          throw new TransportError(`cannot listen on ${formatAddress(address)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        } finally {
          if (binding.get(key) === settled) binding.delete(key);
        }
        endpoint = fresh;
      }
      const bound = endpoint;
      bound.addHost(target.applicationProtocol, {
        onConnection,
        onError: (error) => listenOptions.onError?.(error),
      });
      const text = formatSoeAddress(target.host, bound.port, target.applicationProtocol);
      let closing: Promise<void> | undefined;
      return {
        address: text,
        close: () => (closing ??= bound.removeHost(target.applicationProtocol)),
      };
    },

    connect(address, transportOptions) {
      return defer(() => dialSoe(dialTarget(address), resolved, transportOptions.connectTimeoutMs ?? 0));
    },

    checkAddress(address, use) {
      if (use === 'connect') dialTarget(address);
      else soeAddressOf(address);
    },

    endpointStats(host, port) {
      return endpoints.get(keyOf(host, port))?.stats();
    },
  };
}

/** The target of a dial: an `soe://` address with a port. @throws AddressError otherwise. */
function dialTarget(address: Address): SoeAddress {
  const target = soeAddressOf(address);
  if (target.port === 0) throw new AddressError(formatAddress(address), 'cannot connect to port 0');
  return target;
}
