import type { Transport } from '@rxmsg/core';
import { tcpTransport, tlsTransport } from '@rxmsg/tcp';
import { wsTransport } from '@rxmsg/ws';
import { soeTransport } from '@rxmsg/soe';

/**
 * The transports `@rxmsg/node`'s factories serve and dial with by default: TCP and Unix sockets,
 * TLS, WebSocket (`ws://`, `wss://`) and SOE, each with Node's defaults. A client verifies TLS
 * servers against the system CAs; a TLS (or wss://) server needs its certificate, so it passes its
 * own `tlsTransport({ server: { key, cert } })` (or `wsTransport({ server: { key, cert } })`), which
 * wins over the built-in one for its schemes.
 */
export const BUILT_IN_TRANSPORTS: readonly Transport[] = Object.freeze([tcpTransport(), tlsTransport(), wsTransport(), soeTransport()]);

/** The option `@rxmsg/node`'s factories add to the runtime's. */
export interface BuiltInTransportsOption {
  /**
   * `true` (the default): the `transports` given are added to {@link BUILT_IN_TRANSPORTS}, and a
   * given transport serving a scheme that a built-in one serves too wins for that scheme (the first
   * transport listing a scheme serves it). `false`: only the `transports` given are used.
   *
   * @example
   * ```ts
   * // tcp:// from the built-ins, memory:// from the transport given:
   * await createServer({ listen: ['tcp://127.0.0.1:0', 'memory://app:0'], transports: [memoryTransport()], protocol, processor });
   * // Only the transport given: a tcp:// address is an AddressError.
   * createClient({ connect: 'memory://app:1', transports: [memory], builtInTransports: false, protocol });
   * ```
   */
  readonly builtInTransports?: boolean;
}

/**
 * `options` with the transports to use: those given, then the built-in ones unless
 * `builtInTransports` is `false` (internal to this package). Runs once per factory call.
 */
export function withBuiltInTransports<O extends BuiltInTransportsOption & { readonly transports?: readonly Transport[] }>(options: O): O {
  const given = options.transports;
  if (options.builtInTransports === false) return given === undefined ? { ...options, transports: [] } : options;
  return { ...options, transports: given === undefined || given.length === 0 ? BUILT_IN_TRANSPORTS : [...given, ...BUILT_IN_TRANSPORTS] };
}
