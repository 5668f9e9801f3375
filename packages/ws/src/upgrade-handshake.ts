import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type HandshakeInfo, type HttpUpgrade, type TlsHandshake } from '@rxmsg/core';
import { tlsHandshakeOf } from '@rxmsg/core/internal';

/**
 * What a WebSocket server learned from an upgrade request, as plain data: the path, query and
 * headers of the request, and for `wss://` the TLS session. Bounded by Node's HTTP parser: the
 * request line and headers together are at most `maxHeaderSize` bytes (16 KiB by default).
 */
export function upgradeHandshake(request: IncomingMessage): HandshakeInfo {
  return new UpgradeRecord(request).info();
}

/**
 * What a WebSocket server keeps of an upgrade request until someone asks for the connection's
 * handshake: the URL, Node's own parsed headers object (kept, not copied: the request itself is
 * let go) and for `wss://` the TLS session (read at once: the socket changes). {@link info}
 * makes the {@link HandshakeInfo} from them, as {@link upgradeHandshake} would have at the upgrade;
 * a connection nobody asks about never holds the copies (the query and headers objects).
 */
export class UpgradeRecord {
  private readonly url: string | undefined;
  private readonly headers: IncomingHttpHeaders;
  private readonly tls: TlsHandshake | undefined;

  /** @param request - the upgrade request. */
  constructor(request: IncomingMessage) {
    this.url = request.url;
    this.headers = request.headers;
    const socket = request.socket as Partial<TLSSocket>;
    this.tls = socket.encrypted === true ? tlsHandshakeOf(socket as TLSSocket) : undefined;
  }

  /** The handshake as plain data (a new object each call: the connection keeps the first). */
  info(): HandshakeInfo {
    const http = httpUpgradeFrom(this.url, this.headers);
    return this.tls === undefined ? { http } : { http, tls: this.tls };
  }
}

/** The request's path, query and headers. */
export function httpUpgradeOf(request: IncomingMessage): HttpUpgrade {
  return httpUpgradeFrom(request.url, request.headers);
}

function httpUpgradeFrom(url: string | undefined, requestHeaders: IncomingHttpHeaders): HttpUpgrade {
  const raw = url ?? '/';
  let path = raw;
  // No inherited members: a parameter named `constructor` or `__proto__` is a parameter like any other,
  // not an inherited member (which broke the parse and lost the parameters after it).
  const query = Object.create(NO_MEMBERS) as Record<string, string | string[]>;
  try {
    const url = new URL(raw, 'http://upgrade.invalid');
    path = url.pathname;
    for (const [key, value] of url.searchParams) {
      const seen = query[key];
      query[key] = seen === undefined ? value : typeof seen === 'string' ? [seen, value] : [...seen, value];
    }
  } catch {
    // A request line Node accepted but URL does not: the path as sent, no query. Nothing to report.
  }
  const headers = Object.create(NO_MEMBERS) as Record<string, string | readonly string[]>;
  for (const [name, value] of Object.entries(requestHeaders)) {
    if (value !== undefined) headers[name] = typeof value === 'string' ? value : [...value];
  }
  return { path, query, headers };
}

/**
 * The prototype of the query and headers objects: empty, frozen, itself without a prototype, so that
 * nothing is inherited. Not `Object.create(null)` for each: V8 keeps an object without a prototype
 * in dictionary mode (about 190 bytes empty, 460 with a handful of headers, kept by every
 * WebSocket connection), an object with one in fast mode (about 80 and 110).
 */
const NO_MEMBERS: object = Object.freeze(Object.create(null) as object);
