import * as runtime from '@rxmsg/runtime';
import type { AnyProtocol, ConfigInput, EffectiveConfig, ReplySides } from '@rxmsg/core';
import { withBuiltInTransports, type BuiltInTransportsOption } from './built-in-transports';

/**
 * {@link runtime.createServer} with TCP, Unix-socket, TLS, WebSocket and SOE listeners built in;
 * `transports` adds to them (see {@link BuiltInTransportsOption}).
 *
 * Like every factory that returns a promise, it never throws: an invalid config (`ConfigError`), a
 * bad address or a scheme no transport serves (`AddressError`) and a failed bind (`TransportError`)
 * reject the promise, before anything is bound.
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
export async function createServer<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: runtime.ServerOptions<P, State, C> & BuiltInTransportsOption,
): Promise<runtime.Server<P, EffectiveConfig<'server', C>, State>> {
  return runtime.createServer(withBuiltInTransports(options));
}

/**
 * {@link runtime.createCompositeServer} with the Node transports built in; `transports` adds to them.
 * Errors as {@link createServer}: the promise rejects, nothing is thrown.
 *
 * @example
 * ```ts
 * // A handshake stage, then the game, over one listener; the router picks each connection's next stage.
 * const server = await createCompositeServer({
 *   listen: 'tcp://127.0.0.1:4000',
 *   stages: { handshake: serverStage(Handshake, handshake), game: serverStage(Game, game) },
 *   router: (_state, _peer, previous) => (previous === null ? 'handshake' : previous === 'handshake' ? 'game' : null),
 *   initialState: () => ({}),
 * });
 * ```
 */
export async function createCompositeServer<
  S extends runtime.StageMap<'server', State>,
  State,
  const C extends ConfigInput<'server', runtime.CommonReplySides<S>> = {},
>(
  options: runtime.CompositeServerOptions<S, State, C> & BuiltInTransportsOption,
): Promise<runtime.CompositeServer<EffectiveConfig<'server', C>, State, runtime.StageSends<S>>> {
  return runtime.createCompositeServer(withBuiltInTransports(options));
}

/**
 * {@link runtime.createClient} with TCP, Unix-socket, TLS, WebSocket and SOE connections built in;
 * `transports` adds to them (see {@link BuiltInTransportsOption}).
 *
 * Like every synchronous factory, it throws what is wrong with its options before dialling: a
 * `ConfigError` for an invalid config, an `AddressError` for a bad address or a scheme no transport
 * serves. What happens once dialling started (refused, timed out, lost) is reported on `status$`,
 * `events$` and `closed`, never thrown.
 *
 * @example
 * ```ts
 * const client = createClient({ connect: 'tcp://127.0.0.1:4000', protocol: HelloProtocol, processor });
 * await client.closed;
 * ```
 */
export function createClient<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'client', ReplySides<P>> = {}>(
  options: runtime.ClientOptions<P, State, C> & BuiltInTransportsOption,
): runtime.Client<P, EffectiveConfig<'client', C>> {
  return runtime.createClient(withBuiltInTransports(options));
}

/**
 * {@link runtime.createCompositeClient} with the Node transports built in; `transports` adds to them.
 * Errors as {@link createClient}: thrown before dialling.
 * `send()` is typed by the stack's client messages and routes each to the stage whose protocol accepts it.
 *
 * @example
 * ```ts
 * const client = createCompositeClient({
 *   connect: 'tcp://127.0.0.1:4000',
 *   stages: { handshake: clientStage(Handshake, hello), game: clientStage(Game, play) },
 *   router: (_state, _peer, previous) => (previous === null ? 'handshake' : previous === 'handshake' ? 'game' : null),
 *   initialState: () => ({}),
 * });
 * await client.closed;
 * ```
 */
export function createCompositeClient<
  S extends runtime.StageMap<'client', State>,
  State,
  const C extends ConfigInput<'client', runtime.CommonReplySides<S>> = {},
>(
  options: runtime.CompositeClientOptions<S, State, C> & BuiltInTransportsOption,
): runtime.CompositeClient<S, EffectiveConfig<'client', C>> {
  return runtime.createCompositeClient(withBuiltInTransports(options));
}
