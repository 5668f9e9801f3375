/**
 * What the main thread and the hello worker say to each other over the worker's `postMessage`:
 * bytes of one rxmsg connection (`conn` numbers the connections), and their lifecycle.
 */
export type PortMessage =
  /** main → worker: open connection `conn` (a session of the worker's host). */
  | { readonly type: 'open'; readonly conn: number }
  /** both ways: bytes of connection `conn`. */
  | { readonly type: 'data'; readonly conn: number; readonly bytes: Uint8Array }
  /** worker → main: `bytes` bytes of `conn` were accepted by the session (the main thread's flow control). */
  | { readonly type: 'ack'; readonly conn: number; readonly bytes: number }
  /** main → worker: the client is done sending on `conn`; the worker closes the session gracefully. */
  | { readonly type: 'end'; readonly conn: number }
  /** worker → main: the session of `conn` is gone. */
  | { readonly type: 'closed'; readonly conn: number }
  /** main → worker: close the host and exit. */
  | { readonly type: 'shutdown' };

const TYPES = new Set(['open', 'data', 'ack', 'end', 'closed', 'shutdown']);

/** Narrow what arrived over a port (structured-cloned, so only its shape can be checked). */
export function isPortMessage(value: unknown): value is PortMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type: unknown = Reflect.get(value, 'type');
  if (typeof type !== 'string' || !TYPES.has(type)) return false;
  if (type === 'shutdown') return true;
  if (typeof Reflect.get(value, 'conn') !== 'number') return false;
  if (type === 'data') return Reflect.get(value, 'bytes') instanceof Uint8Array;
  if (type === 'ack') return typeof Reflect.get(value, 'bytes') === 'number';
  return true;
}
