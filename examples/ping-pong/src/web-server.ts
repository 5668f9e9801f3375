import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { AddressError, TransportError, formatAddress, parseAddress, type InetAddress } from '@rxmsg/node';
import { webAssets, type WebAssets } from './web-bundle';
import { PLAY_PATH } from './web-page-options';

/** A running web server of the example: the page's files, and the route the WebSocket listener adds. */
export interface WebServer {
  /** The page's URL, with the real port: `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The WebSocket address to listen on, on this server: `ws://127.0.0.1:8080/play`. */
  readonly playAddress: string;
  /** The HTTP server, to share with `wsTransport({ httpServer })`. */
  readonly httpServer: HttpServer;
  /** Stop accepting and close every HTTP connection; resolves when the server is closed. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Read a `--web` address: `http://host:port`, nothing after the port.
 * @throws `AddressError` for anything else.
 */
export function parseWebAddress(text: string): InetAddress {
  const address = parseAddress(text);
  if (address.kind !== 'inet' || address.scheme !== 'http') throw new AddressError(text, 'expected http://host:port');
  if (address.path !== '/') throw new AddressError(text, 'the web page is served at the root: no path');
  return address;
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The page loads only its own files and talks only to its own origin (ws: included).
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
} as const;

function reply(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}

/** Serves the page's files; `/play` is the WebSocket listener's (an upgrade), so a plain request there gets `426`. */
function serve(assets: WebAssets) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    if (path === PLAY_PATH) return reply(response, 426, 'Upgrade Required', { Upgrade: 'websocket' });
    const asset = assets.get(path === '/' ? '/index.html' : path);
    if (asset === undefined) return reply(response, 404, 'Not Found');
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.contentType, 'Content-Length': String(asset.body.byteLength) });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  };
}

/**
 * Serve the web page (bundled on first use, see `webAssets`) on `http://host:port`, ready for a
 * WebSocket listener on {@link PLAY_PATH} to be added to the same server (`wsTransport({ httpServer })`).
 *
 * @param address - `http://host:port`; port 0 picks a free port.
 * @returns the running server; {@link WebServer.url} has the real port.
 * @throws `AddressError` for a bad address, `WebBundleError` when the page does not bundle,
 * `TransportError` when the port cannot be bound (all as rejected promises).
 * @example
 * ```ts
 * const web = await startWebServer('http://127.0.0.1:0');
 * console.log(`open ${web.url}`);
 * await web.close();
 * ```
 */
export async function startWebServer(address: string): Promise<WebServer> {
  const a = parseWebAddress(address);
  const assets = await webAssets();
  const server = createServer(serve(assets));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(new TransportError(`cannot listen on ${address}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(a.port, a.host, () => {
      server.off('error', onError);
      // Later errors (EMFILE on accept) must not crash the process.
      server.on('error', () => {});
      resolve();
    });
  });
  const bound = server.address();
  const port = bound !== null && typeof bound === 'object' ? bound.port : a.port;
  let closing: Promise<void> | undefined;
  return {
    url: `${formatAddress({ ...a, port })}/`,
    playAddress: formatAddress({ ...a, scheme: 'ws', port, path: PLAY_PATH }),
    httpServer: server,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A browser keeps idle HTTP connections open; they would hold close() up.
        server.closeAllConnections();
      })),
  };
}
