import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type HandshakeInfo, type HttpUpgrade } from '@rxmsg/core';
import { tlsHandshakeOf } from '@rxmsg/core/internal';

/**
 * What a WebSocket server learned from an upgrade request, as plain data: the path, query and
 * headers of the request, and for `wss://` the TLS session. Bounded by Node's HTTP parser: the
 * request line and headers together are at most `maxHeaderSize` bytes (16 KiB by default).
 */
export function upgradeHandshake(request: IncomingMessage): HandshakeInfo {
  const socket = request.socket as Partial<TLSSocket>;
  const http = httpUpgradeOf(request);
  // A TLS socket (wss://) has `encrypted`; a plain one has not.
  return socket.encrypted === true ? { http, tls: tlsHandshakeOf(socket as TLSSocket) } : { http };
}

/** The request's path, query and headers. */
export function httpUpgradeOf(request: IncomingMessage): HttpUpgrade {
  const raw = request.url ?? '/';
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
  for (const [name, value] of Object.entries(request.headers)) {
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
