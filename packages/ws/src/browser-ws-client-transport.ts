import { Observable } from 'rxjs';
import { AddressError, TransportError, formatAddress, type Address, type Connection, type InetAddress, type Transport } from '@rxmsg/core';
import { BrowserWsConnection, DEFAULT_RECEIVE_BUFFER_BYTES } from './browser-ws-connection';
import { DEFAULT_HIGH_WATER_MARK } from './message-connection';
import type { WebSocketConstructorLike, WebSocketEventLike, WebSocketLike } from './web-socket-like';

/** Options of {@link browserWsTransport}. */
export interface BrowserWsTransportOptions {
  /** The `WebSocket` class to use; the global `WebSocket` by default. */
  readonly WebSocket?: WebSocketConstructorLike;
  /** Bytes a connection buffers for sending before `write()` returns `false`. Default 1 MiB. */
  readonly highWaterMark?: number;
  /**
   * Bytes a connection holds while the session does not read (a browser cannot pause a WebSocket);
   * past it the connection closes with a `ReceiveBufferFullError`. Default 4 MiB; keep it above
   * `maxFrameBytes`. See `BrowserWsConnection`.
   */
  readonly receiveBufferBytes?: number;
}

const SCHEMES = Object.freeze(['ws', 'wss']);

/**
 * A client-only transport for `ws://` and `wss://` addresses on the platform's own `WebSocket`
 * (browsers, Deno, Node 22+). Browser-safe: it imports neither `ws` nor any Node built-in, and
 * uses no `Buffer`. Import it from `@rxmsg/ws/browser` in browser code. `listen` is refused.
 *
 * TLS for `wss://` is the browser's (its trusted CAs); the browser also sends the page's `Origin`,
 * which servers should check. See `BrowserWsConnection` for what browsers cannot do (pause
 * reading, limit incoming message size, drop unsent data).
 *
 * @example
 * ```ts
 * import { createClient } from '@rxmsg/runtime';
 * import { browserWsTransport } from '@rxmsg/ws/browser';
 * const client = createClient({ connect: 'wss://example.com:443/play', transports: [browserWsTransport()], protocol, processor });
 * ```
 */
export function browserWsTransport(options: BrowserWsTransportOptions = {}): Transport {
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const receiveBufferBytes = options.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES;
  return {
    schemes: SCHEMES,

    listen: async (address) => {
      throw new TransportError(`cannot listen on ${formatAddress(address)}: a browser WebSocket client does not accept connections`);
    },

    connect(address) {
      return new Observable<Connection>((subscriber) => {
        const a = inetAddress(address);
        const url = formatAddress(a);
        const Ctor = options.WebSocket ?? globalWebSocket();
        if (Ctor === undefined) {
          subscriber.error(new TransportError(`cannot connect to ${url}: this environment has no global WebSocket`));
          return undefined;
        }
        let ws: WebSocketLike;
        try {
          ws = new Ctor(url);
        } catch (error) {
          // The constructor throws a SyntaxError for a URL it refuses.
          subscriber.error(new TransportError(`cannot connect to ${url}: ${String(error)}`, { cause: error }));
          return undefined;
        }
        ws.binaryType = 'arraybuffer';
        let handedOver = false;
        const detach = (): void => {
          ws.removeEventListener('open', onOpen);
          ws.removeEventListener('error', onFailure);
          ws.removeEventListener('close', onFailure);
        };
        const onOpen = (): void => {
          detach();
          handedOver = true;
          subscriber.next(new BrowserWsConnection(ws, 'browser', url, highWaterMark, receiveBufferBytes));
          subscriber.complete();
        };
        const onFailure = (event: WebSocketEventLike): void => {
          detach();
          const code = event.code === undefined ? '' : ` (close code ${event.code})`;
          subscriber.error(new TransportError(`cannot connect to ${url}${code}`));
        };
        ws.addEventListener('open', onOpen);
        ws.addEventListener('error', onFailure);
        ws.addEventListener('close', onFailure);
        return () => {
          detach();
          if (!handedOver) {
            // `ws`'s class (used in Node tests) throws an `error` nobody listens to: keep a listener.
            ws.addEventListener('error', ignore);
            ws.close();
          }
        };
      });
    },
  };
}

function inetAddress(address: Address): InetAddress {
  if (address.kind !== 'inet' || !SCHEMES.includes(address.scheme)) {
    throw new AddressError(formatAddress(address), `this transport handles ws, wss, not "${address.scheme}"`);
  }
  return address;
}

function ignore(): void {}

function globalWebSocket(): WebSocketConstructorLike | undefined {
  // The DOM lib is not loaded, so globalThis does not declare WebSocket: look it up as an optional member.
  const g = globalThis as { readonly WebSocket?: WebSocketConstructorLike };
  return g.WebSocket;
}
