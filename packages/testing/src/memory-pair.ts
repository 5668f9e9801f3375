import type { AnyProtocol, ConfigInput, EffectiveConfig, ReplySides } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, type Client, type ClientOptions, type MemoryTransport, type MemoryTransportOptions, type Server, type ServerOptions } from '@rxmsg/runtime';
import { checkFaults, type FaultPlan } from './faults';
import { faultyTransport, type FaultyTransport, type FaultyTransportOptions } from './faulty-transport';

/** The client's side of {@link memoryPair}: the options of `createClient` except what the pair sets. */
export type MemoryPairClientOptions<P extends AnyProtocol, ClientState, CC> = Omit<ClientOptions<P, ClientState, CC>, 'connect' | 'transports' | 'protocol' | 'scheduler'>;

/**
 * Options of {@link memoryPair}: those of `createServer` (but `listen` and `transports`), and the client's.
 * `scheduler` (virtual time) is used by both sides and by the fault delays.
 */
export interface MemoryPairOptions<P extends AnyProtocol, State, C, ClientState, CC> extends Omit<ServerOptions<P, State, C>, 'listen' | 'transports'> {
  /** The client: its processor (none: send-only), config, reconnect policy...; a send-only client by default. */
  readonly client?: MemoryPairClientOptions<P, ClientState, CC>;
  /**
   * Faults to inject (see {@link faultyTransport}); both ends' connections are wrapped: tell them apart by `side`.
   * A plan function that throws, or returns bad faults (a `ConfigError`), fails that connection (the
   * server reports `ACCEPT_FAILED` for a `listen` side, the dial fails for a `connect` side) and
   * {@link MemoryPair.close} rejects with the first such error once everything is closed: the
   * mistake cannot pass unnoticed, even when it happens before the test subscribes to any event.
   */
  readonly faults?: FaultPlan;
  /** Options of the fault wrapper (seed, bound); its scheduler defaults to `scheduler`. */
  readonly faultOptions?: FaultyTransportOptions;
  /** Options of the memory transport (framing, high-water mark). */
  readonly memory?: MemoryTransportOptions;
}

/**
 * A started server and a client connected to it in memory; see {@link memoryPair}.
 * @typeParam P - the protocol. @typeParam C - the server's config input. @typeParam CC - the client's.
 */
export interface MemoryPair<P extends AnyProtocol, C, State, CC> {
  /** The server, listening on {@link MemoryPair.address}. */
  readonly server: Server<P, EffectiveConfig<'server', C>, State>;
  /**
   * The client, dialling the server. In memory the connection may be up by the time `memoryPair`
   * resolves: read `status$` (it replays the latest status) rather than wait for a `connected` event.
   */
  readonly client: Client<P, EffectiveConfig<'client', CC>>;
  /** The memory transport both use (dial more clients with it). */
  readonly memory: MemoryTransport;
  /** The fault wrapper, when `faults` was given (its `stats` say what it did). */
  readonly faulty: FaultyTransport | undefined;
  /** The transport to give more clients of this server: the fault wrapper when there is one, else `memory`. */
  readonly transport: FaultyTransport | MemoryTransport;
  /** The server's address, `memory://pair:<port>`. */
  readonly address: string;
  /**
   * Close the client, then the server; resolves when both are closed. Safe to call twice.
   * Rejects (after closing both) with the first error a `faults` plan function threw or returned
   * (bad faults: a `ConfigError` naming the field).
   */
  close(): Promise<void>;
}

/**
 * Start a server and a client of `protocol` connected over an in-memory transport of their own:
 * no sockets, no ports, everything in this process, optionally with faults injected and on virtual
 * time. The address is unique to this pair (each pair has its own memory transport), so pairs of
 * parallel tests never meet.
 *
 * @param options - the server's options (protocol, processor, config, scheduler...), the client's under `client`, and `faults`.
 * @returns the pair; `close()` it in `afterEach`.
 * @throws {@link @rxmsg/core!ConfigError} (rejects) for a bad server or client config; nothing is left open then.
 *
 * @example
 * ```ts
 * const { client, close } = await memoryPair({
 *   protocol: Echo,
 *   processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)),
 *   client: { processor: (in$) => concat(of({ kind: 'Ping', n: 1 } as const), in$.pipe(take(1), ignoreElements())) },
 * });
 * const replies = await firstValueFrom(client.messages$.pipe(toArray()));   // [{ kind: 'Pong', n: 1 }]
 * await close();
 * ```
 */
export async function memoryPair<
  P extends AnyProtocol,
  State = unknown,
  const C extends ConfigInput<'server', ReplySides<P>> = {},
  ClientState = unknown,
  const CC extends ConfigInput<'client', ReplySides<P>> = {},
>(options: MemoryPairOptions<P, State, C, ClientState, CC>): Promise<MemoryPair<P, C, State, CC>> {
  const { client: clientOptions, faults, faultOptions, memory: memoryOptions, ...serverOptions } = options;
  const memory = memoryTransport(memoryOptions);
  const scheduled = options.scheduler === undefined ? {} : { scheduler: options.scheduler };
  // A plan function runs when a connection is accepted, maybe before the test subscribes to the
  // server's events: keep its first error for close() to report.
  let planError: { readonly error: unknown } | undefined;
  const plan: FaultPlan | undefined =
    typeof faults === 'function'
      ? (target) => {
          try {
            const chosen = faults(target);
            if (chosen !== undefined) checkFaults(chosen);
            return chosen;
          } catch (error) {
            planError ??= { error };
            throw error;
          }
        }
      : faults;
  const faulty = plan === undefined ? undefined : faultyTransport(memory, plan, { ...scheduled, ...faultOptions });
  const transport = faulty ?? memory;
  const server = await createServer<P, State, C>({ ...serverOptions, listen: 'memory://pair:0', transports: [transport] });
  const address = server.addresses()[0]!;
  let client: Client<P, EffectiveConfig<'client', CC>>;
  try {
    client = createClient<P, ClientState, CC>({ ...clientOptions, ...scheduled, protocol: options.protocol, connect: address, transports: [transport] });
  } catch (error) {
    await server.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    server,
    client,
    memory,
    faulty,
    transport,
    address,
    close: () =>
      (closing ??= (async () => {
        await client.close();
        await server.close();
        if (planError !== undefined) throw planError.error;
      })()),
  };
}
