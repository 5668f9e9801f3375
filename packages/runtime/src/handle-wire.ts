import {
  ClosedError,
  InvalidMessageError,
  MalformedMessageError,
  ProcessorError,
  RxmsgError,
  SendQueueFullError,
  TransportError,
  UnknownMessageError,
  type MessageIssue,
} from '@rxmsg/core';

/**
 * What `server.handle()` returns: a plain, structured-cloneable object naming the server's
 * `BroadcastChannel`. Send it to a worker with `postMessage` (no transfer list) and call
 * `openHandle(data)` there.
 */
export interface ServerHandleData {
  readonly rxmsg: 'server-handle';
  /** Name of the server's rendezvous `BroadcastChannel`. */
  readonly channel: string;
}

/** @internal A request of a handle, on its own channel. */
export type HandleRequest =
  | { readonly op: 'send'; readonly id: number; readonly peerId: number; readonly message: unknown }
  | { readonly op: 'close'; readonly id: number; readonly peerId: number; readonly reason: string | undefined }
  | { readonly op: 'snapshot'; readonly id: number }
  | { readonly op: 'bye' };

/** @internal A typed error, as plain data. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly messageName?: string;
  readonly issues?: readonly MessageIssue[];
  readonly tag?: string | undefined;
}

/** @internal What the server answers on a handle's channel. */
export type HandleReply =
  | { readonly op: 'ready' }
  | { readonly op: 'closed'; /** Set when the server refused this handle while running: why. */ readonly refused?: string }
  | { readonly op: 'result'; readonly id: number; readonly value: unknown }
  | { readonly op: 'failed'; readonly id: number; readonly error: WireError };

/** @internal The rendezvous message of a handle: it opened `channel` and waits for `ready` there. */
export interface HandleHello {
  readonly op: 'hello';
  readonly channel: string;
}

/** @internal A plain object (not an array, not `null`). */
function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

/** @internal A request id: what a handle numbers its requests with. */
function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * @internal Whether what arrived on a handle's channel is a {@link HandleRequest}. Any thread that
 * learnt the channel's name can post there: nothing else is applied.
 */
export function isHandleRequest(data: unknown): data is HandleRequest {
  if (!isRecord(data)) return false;
  switch (data['op']) {
    case 'bye':
      return true;
    case 'snapshot':
      return isId(data['id']);
    case 'send':
      return isId(data['id']) && isId(data['peerId']);
    case 'close':
      return isId(data['id']) && isId(data['peerId']) && (data['reason'] === undefined || typeof data['reason'] === 'string');
    default:
      return false;
  }
}

/** @internal The id of a malformed request, when it has one to answer. */
export function requestId(data: unknown): number | undefined {
  return isRecord(data) && isId(data['id']) ? data['id'] : undefined;
}

/** @internal Whether what arrived on a handle's own channel is a {@link HandleReply} (any thread can post there). */
export function isHandleReply(data: unknown): data is HandleReply {
  if (!isRecord(data)) return false;
  switch (data['op']) {
    case 'ready':
    case 'closed':
      return true;
    case 'result':
      return isId(data['id']);
    case 'failed':
      return isId(data['id']) && isWireError(data['error']);
    default:
      return false;
  }
}

function isWireError(data: unknown): data is WireError {
  if (!isRecord(data) || typeof data['code'] !== 'string' || typeof data['message'] !== 'string') return false;
  const issues = data['issues'];
  return (
    (data['messageName'] === undefined || typeof data['messageName'] === 'string') &&
    (data['tag'] === undefined || typeof data['tag'] === 'string') &&
    (issues === undefined || (Array.isArray(issues) && issues.every((i) => isRecord(i) && Array.isArray(i['path']) && typeof i['code'] === 'string' && typeof i['message'] === 'string')))
  );
}

/** @internal An error as plain data (symbols in issue paths become strings). */
export function errorToWire(error: unknown): WireError {
  if (error instanceof InvalidMessageError) {
    const issues = error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), code: i.code, message: i.message }));
    return { code: error.code, message: error.message, messageName: error.messageName, issues };
  }
  if (error instanceof UnknownMessageError) return { code: error.code, message: error.message, tag: error.tag };
  if (error instanceof RxmsgError) return { code: error.code, message: error.message };
  return { code: 'PROCESSOR_FAILED', message: error instanceof Error ? error.message : String(error) };
}

/** @internal The typed error a {@link WireError} describes. */
export function errorFromWire(wire: WireError): RxmsgError {
  switch (wire.code) {
    case 'MESSAGE_INVALID':
      return new InvalidMessageError(wire.messageName ?? '', wire.issues ?? []);
    case 'MESSAGE_UNKNOWN': {
      const e = new UnknownMessageError('', wire.tag);
      e.message = wire.message;
      return e;
    }
    case 'MESSAGE_MALFORMED':
      return new MalformedMessageError(wire.message);
    case 'CLOSED':
      return new ClosedError(wire.message);
    case 'TRANSPORT_FAILED':
      return new TransportError(wire.message);
    case 'SEND_QUEUE_FULL':
      return new SendQueueFullError(0);
    default:
      return new ProcessorError(wire.message);
  }
}

/** @internal A fresh channel name part: unique across threads. */
export function uniqueName(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** @internal What rxmsg uses of a `BroadcastChannel` (declared here: Node's and the DOM's types differ). */
export interface Channel {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** @internal The platform's `BroadcastChannel` (Node 18+, browsers). @throws {@link @rxmsg/core!ClosedError} where there is none. */
export function broadcastChannel(name: string): Channel {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => Channel }).BroadcastChannel;
  if (Channel === undefined) throw new ClosedError('this platform has no BroadcastChannel');
  return new Channel(name);
}
