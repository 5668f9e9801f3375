import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { TransportError, type ListenerError } from '@rxmsg/core';

/** Takes over one WebSocket upgrade request (the arguments of the server's `upgrade` event). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Where the failures of one route's listener are reported. */
export type ListenerErrorSink = (error: ListenerError) => void;

interface Route {
  readonly handler: UpgradeHandler;
  readonly onError: ListenerErrorSink | undefined;
}

/** The routers of servers that were handed in (shared with the application), one per server. */
const shared = new WeakMap<HttpServer, UpgradeRouter>();

/**
 * Dispatches the WebSocket upgrade requests of one HTTP(S) server by path, so that several
 * listeners (several protocols) share one port, each on its own path. A request for a path nobody
 * listens on is answered `404 Not Found` and its socket destroyed, unless the server is shared and
 * the application has `upgrade` listeners of its own: then the request is left to them.
 *
 * On a server the transport created (`owned`), plain HTTP requests are answered
 * `426 Upgrade Required` (a known path) or `404 Not Found`; a shared server's requests are the
 * application's.
 */
export class UpgradeRouter {
  private readonly routes = new Map<string, Route>();
  private disposed = false;

  private constructor(
    readonly server: HttpServer,
    private readonly owned: boolean,
  ) {
    server.on('upgrade', this.onUpgrade);
    if (owned) server.on('request', this.onRequest);
  }

  /** A router for a server the transport created and closes itself. */
  static owned(server: HttpServer): UpgradeRouter {
    return new UpgradeRouter(server, true);
  }

  /** The router of an application's server, created on first use and shared by every transport. */
  static shared(server: HttpServer): UpgradeRouter {
    let router = shared.get(server);
    if (router === undefined) {
      router = new UpgradeRouter(server, false);
      shared.set(server, router);
    }
    return router;
  }

  /** `true` once the last path was removed: the router no longer listens to its server. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Route upgrades for `path` to `handler`; failures of the server itself go to the `onError` of the
   * oldest route still present (see {@link UpgradeRouter.reportServerError}).
   * @throws `TransportError` when the path is taken, or the router was disposed.
   */
  add(path: string, handler: UpgradeHandler, onError?: ListenerErrorSink): void {
    if (this.disposed) throw new TransportError(`cannot listen on ${path}: the server is closing`);
    if (this.routes.has(path)) throw new TransportError(`cannot listen on ${path}: the path is already in use on this server`);
    this.routes.set(path, { handler, onError });
  }

  /**
   * Report a failure of the server as a whole (a failed accept, a bad HTTP request, a failed TLS
   * handshake): it belongs to no path, so it goes to one listener, the oldest, and is counted once.
   * Dropped once every path is gone (the server is closing).
   */
  reportServerError(error: ListenerError): void {
    for (const route of this.routes.values()) {
      route.onError?.(error);
      return;
    }
  }

  /**
   * Stop routing `path`. Once no path is left the router detaches from its server (which it
   * never closes: that is the caller's, for an owned server).
   * @returns whether that was the last path.
   */
  remove(path: string): boolean {
    this.routes.delete(path);
    if (this.routes.size > 0 || this.disposed) return this.disposed;
    this.disposed = true;
    this.server.off('upgrade', this.onUpgrade);
    this.server.off('request', this.onRequest);
    if (shared.get(this.server) === this) shared.delete(this.server);
    return true;
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = this.routes.get(pathOf(request.url));
    if (route !== undefined) {
      route.handler(request, socket, head);
      return;
    }
    // Another `upgrade` listener of the application's may serve this path.
    if (!this.owned && this.server.listenerCount('upgrade') > 1) return;
    refuse(socket, 404, 'Not Found');
  };

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const known = this.routes.has(pathOf(request.url));
    const body = known ? 'Upgrade Required' : 'Not Found';
    response.writeHead(known ? 426 : 404, {
      'Content-Type': 'text/plain',
      'Content-Length': String(body.length),
      Connection: 'close',
      ...(known ? { Upgrade: 'websocket' } : {}),
    });
    response.end(body);
  };
}

/** The path of a request target, without its query. */
export function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0] ?? '/';
  return path === '' ? '/' : path;
}

/** Answer an upgrade request with an HTTP error and close its socket. */
export function refuse(socket: Duplex, status: number, text: string): void {
  socket.on('error', ignore);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

function ignore(): void {}
