/**
 * The part of the WHATWG `WebSocket` (a browser's global, Node 22's global, `ws`'s client class)
 * that the browser client uses. Declared here because the project compiles without the DOM lib.
 */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` so binary messages arrive as `ArrayBuffer`, not `Blob`. */
  binaryType: string;
  /** Bytes queued by `send` and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: WebSocketEventType, listener: (event: WebSocketEventLike) => void): void;
  removeEventListener(type: WebSocketEventType, listener: (event: WebSocketEventLike) => void): void;
}

/** The events the browser client listens to. */
export type WebSocketEventType = 'open' | 'message' | 'close' | 'error';

/** What the browser client reads of an event: `data` of `message`, `code`/`reason` of `close`. */
export interface WebSocketEventLike {
  readonly data?: unknown;
  readonly code?: number;
  readonly reason?: string;
}

/** A `WebSocket` constructor: `globalThis.WebSocket` in browsers. */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`. */
export const OPEN = 1;
