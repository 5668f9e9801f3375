import { concat, ignoreElements, map, of, startWith, takeWhile, type Observable } from 'rxjs';
import { soeTransport, tcpTransport, tlsTransport, wsTransport, type Codec, type Transport } from '@rxmsg/node';
import { tempSocketPath, testCertificate } from '@rxmsg/test-utils';
import type { EchoReply, Ping } from './echo-protocol';
import type { RawPeer } from './raw-peer';
import { WirePeer } from './wire-peer';
import { SoePeer } from './soe-peer';
import { WsPeer } from './ws-peer';

/** What a suite over one transport needs once it is set up. */
export interface TransportSetup {
  /** What `createServer` and `createClient` get as `transports`. */
  readonly transports: readonly Transport[];
  /**
   * A raw peer over this transport: it writes bytes (byte streams) or messages (WebSocket) and
   * reads what comes back (TLS: the plaintext).
   */
  connectRaw(address: string, codec: Codec, options?: { readonly stayOpen?: boolean }): Promise<RawPeer>;
}

/**
 * One transport of the matrix. Suites parameterised by transport take a `TransportCase`;
 * adding a transport (WebSocket, say) means adding one entry to {@link TRANSPORT_CASES}.
 */
export interface TransportCase {
  /** Name used in test titles. */
  readonly name: string;
  /**
   * `stream`: a byte stream, framed by the codec (TCP, Unix, TLS); `message`: the transport keeps
   * message boundaries (WebSocket). Tests about byte-stream framing (length prefixes) are skipped,
   * with the reason in their title, for `message` transports.
   */
  readonly framing: 'stream' | 'message';
  /** A fresh address to listen on: port 0, or a new socket path. */
  listenAddress(): string;
  /** Transports and raw peer; called once per suite (TLS makes its certificate here). */
  setup(): Promise<TransportSetup>;
}

/** TCP, Unix domain sockets, TLS and WebSocket, each with both sides given explicit transports. */
export const TRANSPORT_CASES: readonly TransportCase[] = [
  {
    name: 'TCP',
    framing: 'stream',
    listenAddress: () => 'tcp://127.0.0.1:0',
    setup: async () => ({
      transports: [tcpTransport()],
      connectRaw: (address, codec, options = {}) => WirePeer.connect(address, codec, options),
    }),
  },
  {
    name: 'Unix socket',
    framing: 'stream',
    listenAddress: () => `unix:${tempSocketPath()}`,
    setup: async () => ({
      transports: [tcpTransport()],
      connectRaw: (address, codec, options = {}) => WirePeer.connect(address, codec, options),
    }),
  },
  {
    name: 'TLS',
    framing: 'stream',
    listenAddress: () => 'tls://127.0.0.1:0',
    setup: async () => {
      const { key, cert } = await testCertificate();
      return {
        transports: [tcpTransport(), tlsTransport({ server: { key, cert }, client: { ca: cert } })],
        connectRaw: (address, codec, options = {}) => WirePeer.connect(address, codec, { ...options, tls: { ca: cert } }),
      };
    },
  },
  {
    name: 'WebSocket',
    framing: 'message',
    // A path, so that the suites go through the path routing too.
    listenAddress: () => 'ws://127.0.0.1:0/rxmsg',
    setup: async () => ({
      transports: [wsTransport()],
      connectRaw: (address, codec, options = {}) => WsPeer.connect(address, codec, options),
    }),
  },
  {
    name: 'SOE',
    framing: 'message',
    // A path: the application protocol named in SessionRequest.
    listenAddress: () => 'soe://127.0.0.1:0/rxmsg-test',
    setup: async () => ({
      transports: [soeTransport()],
      connectRaw: (address, codec, options = {}) => SoePeer.connect(address, codec, options),
    }),
  },
];

/**
 * A client processor doing request/response in lockstep: `Ping 0`, then on each `Pong n`
 * the next `Ping n + 1`, completing once `Pong count - 1` arrived (or on any other answer).
 */
export function lockstep(count: number): (in$: Observable<EchoReply>) => Observable<Ping> {
  return (in$) =>
    in$.pipe(
      takeWhile((m) => m.kind === 'Pong' && m.n < count - 1),
      map((m) => ({ kind: 'Ping', n: m.kind === 'Pong' ? m.n + 1 : -1 }) as const),
      startWith({ kind: 'Ping', n: 0 } as const),
    );
}

/** A client processor sending `messages` at once, then listening until the server ends the connection. */
export function sendThenListen(messages: readonly Ping[]): (in$: Observable<EchoReply>) => Observable<Ping> {
  return (in$) => concat(of(...messages), in$.pipe(ignoreElements()));
}
