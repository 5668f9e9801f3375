/** The `soe://` transport: rxmsg over SOE reliable UDP. */
import { defer } from 'rxjs';
import { AddressError, TransportError, formatAddress, type Listener, type Transport } from '@rxmsg/core';
import { formatSoeAddress, soeAddressOf } from './soe-address';
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

  return {
    schemes: ['soe'],

    async listen(address, onConnection, listenOptions): Promise<Listener> {
      const target = soeAddressOf(address);
      let endpoint = target.port === 0 ? undefined : endpoints.get(keyOf(target.host, target.port));
      if (endpoint === undefined) {
        const fresh = new SoeEndpoint(resolved, (closed) => {
          for (const [k, e] of endpoints) if (e === closed) endpoints.delete(k);
        });
        try {
          await fresh.bind(target.host, target.port);
        } catch (error) {
          throw new TransportError(`cannot listen on ${formatAddress(address)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        endpoint = fresh;
        endpoints.set(keyOf(target.host, fresh.port), fresh);
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
      return defer(() => {
        const target = soeAddressOf(address);
        if (target.port === 0) throw new AddressError(formatAddress(address), 'cannot connect to port 0');
        return dialSoe(target, resolved, transportOptions.connectTimeoutMs ?? 0);
      });
    },

    endpointStats(host, port) {
      return endpoints.get(keyOf(host, port))?.stats();
    },
  };
}
