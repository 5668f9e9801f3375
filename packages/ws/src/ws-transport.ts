import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { Observable } from 'rxjs';
import { WebSocket, WebSocketServer, type ClientOptions, type PerMessageDeflateOptions } from 'ws';
import {
  AcceptError,
  AddressError,
  ListenerSocketError,
  TlsHandshakeError,
  TransportError,
  UpgradeError,
  formatAddress,
  type Address,
  type Connection,
  type InetAddress,
  type ListenOptions,
  type Listener,
  type ListenerError,
  type Transport,
} from '@rxmsg/core';
import { DEFAULT_HIGH_WATER_MARK } from './message-connection';
import { maxPayloadFor } from './max-payload';
import { UpgradeRouter, refuse, type UpgradeHandler } from './upgrade-router';
import { UpgradeRecord } from './upgrade-handshake';
import { WsConnection } from './ws-connection';

/** Options of {@link wsTransport}. */
export interface WsTransportOptions {
  /** TLS of the `wss://` servers this transport creates: at least `key` and `cert` (Node's `https` options). */
  readonly server?: HttpsServerOptions;
  /**
   * Options of the connecting side (those of `ws`'s client, which include Node's TLS options):
   * `ca` to trust a private CA, `servername`, `headers`, `origin`, …
   */
  readonly client?: Omit<ClientOptions, 'maxPayload' | 'perMessageDeflate'>;
  /**
   * An existing `http.Server` (for `ws://`) or `https.Server` (for `wss://`) to serve on instead of
   * binding a new one. Each `listen('ws://host:port/path')` then adds a handler for its path to that
   * server, so several listeners (several protocols) share its port; closing a listener removes
   * only its path and never closes the server. Its port is the server's: a listen address asks for
   * port 0 or that port. `listen` resolves once the server listens. Failures of the server itself
   * (accept errors, malformed HTTP requests, TLS handshakes) stay the application's; only the failed
   * upgrades on the listeners' paths are reported (as `UPGRADE_FAILED`).
   */
  readonly httpServer?: HttpServer | HttpsServer;
  /**
   * Largest message accepted, in bytes, on both sides (`ws`'s `maxPayload`): a larger one closes the
   * connection with code 1009 before it is buffered. The session's `maxFrameBytes` applies as well,
   * to every message: keep this a little above it. By default it follows each server's or client's
   * `maxFrameBytes`: that plus the smaller of itself and 64 KiB (see `maxPayloadFor`), so a peer
   * cannot make `ws` buffer more than about twice the frame limit; `DEFAULT_MAX_PAYLOAD` when
   * the runtime does not say.
   */
  readonly maxPayload?: number;
  /** Bytes a connection buffers for sending before `write()` returns `false`. Default 1 MiB. */
  readonly highWaterMark?: number;
  /**
   * The `permessage-deflate` extension; **off by default**. Compression costs CPU and memory per
   * connection (a zlib context each), and it opens a compression oracle (the CRIME/BREACH family):
   * when a secret and data an attacker controls are compressed into the same message, the message
   * size tells the attacker how much of its guess matched the secret. Turn it on (`true`, or `ws`'s
   * options) only for large, compressible payloads that never mix secrets with attacker-chosen data.
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Time a client waits for the server's handshake answer, in ms. Default 10 000. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Decides, on the server, whether an upgrade request is accepted; a refused one is answered
   * `403 Forbidden`. Browsers connect across origins and send their cookies: check the `Origin`
   * header (and any credentials) here when browsers are among the clients. All are accepted by default.
   * @example `verifyUpgrade: (request) => request.headers.origin === 'https://example.com'`
   */
  readonly verifyUpgrade?: (request: IncomingMessage) => boolean;
}

const SCHEMES = Object.freeze(['ws', 'wss']);

/**
 * The transport for `ws://host:port/path` and `wss://host:port/path` addresses on Node, over the
 * `ws` package. Connections keep message boundaries (`framing: 'message'`): one protocol message is
 * one WebSocket message, text for text codecs and binary for binary ones.
 *
 * Listening binds an HTTP(S) server and accepts WebSocket upgrades on the address's path (`/` when
 * none); other paths are refused with `404`. Listeners on the same host and port share one server,
 * each on its own path; pass {@link WsTransportOptions.httpServer} to serve on an application's
 * server instead (next to its own routes).
 *
 * @param options - TLS, a shared HTTP server, limits and compression; see {@link WsTransportOptions}.
 * @returns a transport to pass to `createServer` / `createClient`.
 * @example
 * ```ts
 * const server = await createServer({ listen: 'ws://127.0.0.1:8080/chat', transports: [wsTransport()], protocol, processor });
 * const client = createClient({ connect: 'ws://127.0.0.1:8080/chat', transports: [wsTransport()], protocol, processor: p });
 *
 * // Two protocols on the port of an existing HTTP server, next to its own routes:
 * const http = createServer(app).listen(8080);
 * const ws = wsTransport({ httpServer: http });
 * await createServer({ listen: 'ws://0.0.0.0:8080/chat', transports: [ws], protocol: Chat, processor: chat });
 * await createServer({ listen: 'ws://0.0.0.0:8080/game', transports: [ws], protocol: Game, processor: game });
 *
 * // wss:// with a certificate:
 * const secure = wsTransport({ server: { key, cert }, client: { ca: cert } });
 * ```
 */
export function wsTransport(options: WsTransportOptions = {}): Transport {
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const perMessageDeflate = options.perMessageDeflate ?? false;
  /** Servers this transport bound, by `scheme://host:port` (port 0 is never shared). */
  const owned = new Map<string, Promise<UpgradeRouter>>();

  const bindOwned = (a: InetAddress): Promise<UpgradeRouter> =>
    new Promise<UpgradeRouter>((resolve, reject) => {
      const server: HttpServer = a.scheme === 'wss' ? createHttpsServer({ ...options.server }) : createHttpServer();
      const onListenError = (error: Error): void => {
        reject(new TransportError(`cannot listen on ${formatAddress(a)}: ${error.message}`, { cause: error }));
      };
      server.once('error', onListenError);
      server.listen(a.port, a.host, () => {
        server.off('error', onListenError);
        const router = UpgradeRouter.owned(server);
        const where = formatAddress({ ...a, port: portOf(server), path: '/' });
        // Later failures (EMFILE on accept, a bad request, a failed TLS handshake) are reported, and
        // never crash the process; Node's server keeps accepting after them.
        server.on('error', (error: Error) => router.reportServerError(listenerError(error, where)));
        server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
          const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
          refuse(socket, status, STATUS_CODES[status] ?? 'Bad Request');
          // A failed TLS handshake comes here too, and is reported once, by `tlsClientError`.
          if (error.code?.startsWith('ERR_SSL_') === true) return;
          router.reportServerError(new UpgradeError(`bad HTTP request on ${where}: ${error.message}`, { cause: error, remoteAddress: remoteOf(a, socket) }));
        });
        if (a.scheme === 'wss') {
          server.on('tlsClientError', (error: Error, socket: Duplex) => {
            const remoteAddress = remoteOf(a, socket);
            socket.destroy();
            router.reportServerError(new TlsHandshakeError(`handshake on ${where} failed: ${error.message}`, { cause: error, remoteAddress }));
          });
        }
        resolve(router);
      });
    });

  /**
   * The router of this transport's server on `a`'s host and port, binding one when there is none
   * (always for port 0). A bound server is shared under its real port, so `ws://host:0/a` then
   * `ws://host:<that port>/b` serve both paths on one port.
   */
  const ownedRouter = async (a: InetAddress): Promise<{ router: UpgradeRouter; forget: () => void }> => {
    for (;;) {
      let entry = a.port === 0 ? undefined : owned.get(serverKey(a, a.port));
      if (entry === undefined) {
        const bound = bindOwned(a);
        if (a.port !== 0) {
          const key = serverKey(a, a.port);
          owned.set(key, bound);
          bound.catch(() => owned.get(key) === bound && owned.delete(key));
        }
        entry = bound;
      }
      const router = await entry;
      const key = serverKey(a, portOf(router.server));
      const current = entry;
      const forget = (): void => {
        if (owned.get(key) === current) owned.delete(key);
      };
      // Its last listener closed while we waited: bind anew.
      if (router.isDisposed) {
        forget();
        continue;
      }
      if (!owned.has(key)) owned.set(key, entry);
      return { router, forget };
    }
  };

  const listen = async (address: Address, onConnection: (connection: Connection) => void, transportOptions: ListenOptions): Promise<Listener> => {
    const a = listenAddress(address);
    let closed = false;
    const report = (error: ListenerError): void => {
      if (!closed) transportOptions.onError?.(error);
    };
    const where = formatAddress(a);
    const maxPayload = maxPayloadFor(options.maxPayload, transportOptions.maxFrameBytes);
    // `ws` checks that text messages are UTF-8 (and fails the connection with 1007, as RFC 6455 asks).
    // `skipUTF8Validation` would save that pass (about 2-3% of a one-way server's CPU) since the text
    // codec decodes with a fatal TextDecoder, but a codec of the application's may not, and a peer's
    // bad text would become a decode error under `onDecodeError` instead of a 1007 close: kept on.
    const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload, perMessageDeflate });
    // A server made with `noServer` has no socket of its own to fail; report anything all the same.
    wss.on('error', (error: Error) => report(new ListenerSocketError(`listener ${where} failed: ${error.message}`, { cause: error })));
    // A malformed handshake (method, Upgrade, Sec-WebSocket-* headers): answered here, and reported.
    wss.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
      const status = request.method === 'GET' ? 400 : 405;
      refuse(socket, status, STATUS_CODES[status] ?? 'Bad Request');
      report(new UpgradeError(`upgrade on ${where} refused: ${error.message}`, { cause: error, remoteAddress: remoteOf(a, request.socket) }));
    });
    let lastLocal = '';
    const handler: UpgradeHandler = (request, socket, head) => {
      if (options.verifyUpgrade !== undefined) {
        const verdict = verified(options.verifyUpgrade, request);
        if (verdict !== true) {
          refuse(socket, 403, 'Forbidden');
          // A refusal is the check doing its job; a check that threw is a failure to report.
          if (verdict !== false) report(new UpgradeError(`verifyUpgrade on ${where} threw`, { cause: verdict.threw, remoteAddress: remoteOf(a, request.socket) }));
          return;
        }
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const s = request.socket;
        s.setNoDelay(transportOptions.noDelay);
        // Every connection of a listener has the same local end: one string for all of them, not one each.
        const at = endpoint(a.scheme, s.localAddress, s.localPort, a.path);
        const local = at === lastLocal ? lastLocal : (lastLocal = at);
        const remote = endpoint(a.scheme, s.remoteAddress, s.remotePort, '/');
        // Whatever the runtime's handler throws stays with this one connection.
        try {
          onConnection(new WsConnection(ws, local, remote, highWaterMark, new UpgradeRecord(request), socket));
        } catch (error) {
          ws.terminate();
          report(new AcceptError(`connection on ${where} not taken over: ${String(error)}`, { cause: error, remoteAddress: remote }));
        }
      });
    };

    if (options.httpServer !== undefined) {
      const server = options.httpServer;
      const secure = server instanceof TlsServer;
      if (secure !== (a.scheme === 'wss')) {
        throw new AddressError(formatAddress(a), `the shared server is ${secure ? 'an https' : 'an http'} server: use ${secure ? 'wss' : 'ws'}://`);
      }
      const port = await listeningPort(server, a);
      if (a.port !== 0 && a.port !== port) throw new AddressError(formatAddress(a), `the shared server listens on port ${port}`);
      const router = UpgradeRouter.shared(server);
      route(router, a.path, handler, wss, report);
      return listener(formatAddress({ ...a, port }), async () => {
        closed = true;
        router.remove(a.path);
        wss.close();
      });
    }

    const { router, forget } = await ownedRouter(a);
    route(router, a.path, handler, wss, report);
    return listener(formatAddress({ ...a, port: portOf(router.server) }), async () => {
      closed = true;
      wss.close();
      if (!router.remove(a.path)) return;
      forget();
      // Node's close() stops accepting at once but calls back only when every connection it ever
      // accepted has ended. Those are the runtime's to close: resolve once the listening handle is gone.
      await new Promise<void>((resolve) => {
        router.server.close();
        setImmediate(resolve);
      });
    });
  };

  return {
    schemes: SCHEMES,
    listen,
    checkAddress: (address, use) => void (use === 'listen' ? listenAddress(address) : inetAddress(address)),

    connect(address, transportOptions) {
      return new Observable<Connection>((subscriber) => {
        const a = inetAddress(address);
        const url = formatAddress(a);
        let ws: WebSocket;
        // The opening handshake's deadline is a timer of ours, dropped once open: `ws`'s own (a socket timeout)
        // leaves a cleared Timeout on the socket of every client for as long as it lives. One the caller
        // gives `ws` itself (`client.handshakeTimeout`) stays `ws`'s.
        const deadlineMs = options.client?.handshakeTimeout === undefined ? (options.handshakeTimeoutMs ?? 10_000) : 0;
        let deadline: ReturnType<typeof setTimeout> | undefined;
        try {
          ws = new WebSocket(url, {
            ...options.client,
            maxPayload: maxPayloadFor(options.maxPayload, transportOptions.maxFrameBytes),
            perMessageDeflate,
          });
        } catch (error) {
          subscriber.error(new TransportError(`cannot connect to ${url}: ${String(error)}`, { cause: error }));
          return undefined;
        }
        let socket: Socket | undefined;
        let handedOver = false;
        const onUpgrade = (response: IncomingMessage): void => {
          socket = response.socket;
        };
        const onError = (error: Error): void => {
          subscriber.error(new TransportError(`cannot connect to ${url}: ${error.message}`, { cause: error }));
        };
        const onOpen = (): void => {
          clearTimeout(deadline);
          deadline = undefined;
          ws.off('error', onError);
          handedOver = true;
          socket?.setNoDelay(transportOptions.noDelay);
          const local = endpoint(a.scheme, socket?.localAddress, socket?.localPort, '/');
          const remote = endpoint(a.scheme, socket?.remoteAddress, socket?.remotePort, a.path);
          subscriber.next(new WsConnection(ws, local, remote, highWaterMark, undefined, socket));
          subscriber.complete();
        };
        ws.once('upgrade', onUpgrade);
        ws.once('error', onError);
        ws.once('open', onOpen);
        if (deadlineMs > 0) {
          deadline = setTimeout(() => {
            deadline = undefined;
            subscriber.error(new TransportError(`cannot connect to ${url}: opening handshake timed out after ${deadlineMs} ms`));
          }, deadlineMs);
        }
        return () => {
          clearTimeout(deadline);
          deadline = undefined;
          ws.off('upgrade', onUpgrade);
          ws.off('open', onOpen);
          ws.off('error', onError);
          if (!handedOver) {
            ws.on('error', () => {});
            ws.terminate();
          }
        };
      });
    },
  };
}

/** `address` as a `ws://` or `wss://` host-and-port address. @throws AddressError for another scheme. */
/** A `ws://` or `wss://` address to listen on: its path has no query or fragment. */
function listenAddress(address: Address): InetAddress {
  const a = inetAddress(address);
  if (/[?#]/.test(a.path)) throw new AddressError(formatAddress(a), 'a listen path has no query or fragment');
  return a;
}

function inetAddress(address: Address): InetAddress {
  if (address.kind !== 'inet' || !SCHEMES.includes(address.scheme)) {
    throw new AddressError(formatAddress(address), `this transport handles ws, wss, not "${address.scheme}"`);
  }
  return address;
}

function endpoint(scheme: string, host: string | undefined, port: number | undefined, path: string): string {
  return formatAddress({ kind: 'inet', scheme, host: host ?? '?', port: port ?? 0, path });
}

/**
 * Whether `verify` accepts `request`: `true`, `false`, or what it threw (which refuses the request,
 * and must not crash the server).
 */
function verified(verify: (request: IncomingMessage) => boolean, request: IncomingMessage): boolean | { readonly threw: unknown } {
  try {
    return verify(request) === true;
  } catch (error) {
    return { threw: error };
  }
}

/** The report of an error of a listening server: a failed accept, or another failure of its socket. */
function listenerError(error: Error, where: string): ListenerError {
  const syscall = (error as NodeJS.ErrnoException).syscall;
  return syscall === 'accept'
    ? new AcceptError(`cannot accept on ${where}: ${error.message}`, { cause: error })
    : new ListenerSocketError(`listener ${where} failed: ${error.message}`, { cause: error });
}

/** The remote end of an HTTP request's socket, for reports; `undefined` when it is no longer known. */
function remoteOf(a: InetAddress, socket: Duplex): string | undefined {
  const s = socket as Partial<Socket>;
  return s.remoteAddress === undefined ? undefined : endpoint(a.scheme, s.remoteAddress, s.remotePort, '/');
}

function serverKey(a: InetAddress, port: number): string {
  return `${a.scheme}://${a.host}:${port}`;
}

/** The port a listening server is bound to (0 when it is not listening on a port). */
function portOf(server: HttpServer): number {
  const bound = server.address();
  return bound !== null && typeof bound === 'object' ? bound.port : 0;
}

/** The port of a shared server, once it listens. */
function listeningPort(server: HttpServer, a: InetAddress): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (server.listening) {
      resolve(portOf(server));
      return;
    }
    const onListening = (): void => {
      server.off('error', onError);
      resolve(portOf(server));
    };
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(new TransportError(`cannot listen on ${formatAddress(a)}: the shared server failed: ${error.message}`, { cause: error }));
    };
    server.once('listening', onListening);
    server.once('error', onError);
  });
}

/** Add a route; on failure (the path is taken) close its WebSocket server and rethrow. */
function route(router: UpgradeRouter, path: string, handler: UpgradeHandler, wss: WebSocketServer, onError: (error: ListenerError) => void): void {
  try {
    router.add(path, handler, onError);
  } catch (error) {
    wss.close();
    throw error;
  }
}

function listener(address: string, release: () => Promise<void>): Listener {
  let closing: Promise<void> | undefined;
  return {
    address,
    close: () => (closing ??= release()),
  };
}
