import * as runtime from '@rxmsg/runtime';
import type { AnyProtocol, ConfigInput, EffectiveConfig, ReplySides, Transport } from '@rxmsg/core';
import { tcpTransport, tlsTransport } from '@rxmsg/tcp';
import { wsTransport } from '@rxmsg/ws';
import { soeTransport } from '@rxmsg/soe';

// tls:// and wss:// with Node's defaults: a client verifies servers against the system CAs. A TLS server
// needs its certificate: pass `transports: [tcpTransport(), tlsTransport({ server: { key, cert } })]`
// (or `wsTransport({ server: { key, cert } })` for wss://). ws:// listeners on one host and port share
// one HTTP server, each on its own path.
const NODE_TRANSPORTS: readonly Transport[] = Object.freeze([tcpTransport(), tlsTransport(), wsTransport(), soeTransport()]);

/** `options` with the Node transports when it names none (internal to this package). */
export function withDefaults<O extends { readonly transports?: readonly Transport[] }>(options: O): O {
  return options.transports === undefined ? { ...options, transports: NODE_TRANSPORTS } : options;
}

/**
 * {@link runtime.createServer} with TCP, Unix-socket, TLS and WebSocket listeners available by default.
 *
 * @example
 * ```ts
 * const server = await createServer({
 *   listen: ['tcp://127.0.0.1:4000', 'unix:/tmp/hello.sock'],
 *   protocol: HelloProtocol,
 *   processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `hello ${m.name}` }) as const)),
 * });
 * ```
 */
export function createServer<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: runtime.ServerOptions<P, State, C>,
): Promise<runtime.Server<P, EffectiveConfig<'server', C>, State>> {
  return runtime.createServer(withDefaults(options));
}

/** {@link runtime.createCompositeServer} with TCP, Unix-socket, TLS and WebSocket listeners available by default. */
export function createCompositeServer<
  S extends runtime.StageMap<'server', State>,
  State,
  const C extends ConfigInput<'server', runtime.CommonReplySides<S>> = {},
>(
  options: runtime.CompositeServerOptions<S, State, C>,
): Promise<runtime.CompositeServer<EffectiveConfig<'server', C>, State, runtime.StageSends<S>>> {
  return runtime.createCompositeServer(withDefaults(options));
}

/**
 * {@link runtime.createClient} with TCP, Unix-socket, TLS and WebSocket connections available by default.
 *
 * @example
 * ```ts
 * const client = createClient({ connect: 'tcp://127.0.0.1:4000', protocol: HelloProtocol, processor });
 * await client.closed;
 * ```
 */
export function createClient<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'client', ReplySides<P>> = {}>(
  options: runtime.ClientOptions<P, State, C>,
): runtime.Client<P, EffectiveConfig<'client', C>> {
  return runtime.createClient(withDefaults(options));
}

/**
 * {@link runtime.createCompositeClient} with TCP, Unix-socket, TLS and WebSocket connections available by default.
 * `send()` is typed by the stack's client messages and routes each to the stage whose protocol accepts it.
 */
export function createCompositeClient<
  S extends runtime.StageMap<'client', State>,
  State,
  const C extends ConfigInput<'client', runtime.CommonReplySides<S>> = {},
>(
  options: runtime.CompositeClientOptions<S, State, C>,
): runtime.CompositeClient<S, EffectiveConfig<'client', C>> {
  return runtime.createCompositeClient(withDefaults(options));
}
