import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ClosedError, RxmsgError, TimeoutError, type AnyProtocol, type ClientMessage, type RxmsgErrorCode, type ServerMessage } from '@rxmsg/core';
import type { WaitIncomingOptions } from '@rxmsg/runtime';
import { QueueReplySchema, QueueStoppedSchema, SYNC_CLOSED, SYNC_READY, SYNC_SIGNAL_BYTES, type QueueOp, type QueueReply } from './queue-wire';

/** Default {@link QueueHandleOptions.syncTimeoutMs}. */
export const QUEUE_SYNC_TIMEOUT_MS = 30_000;

/** Options of {@link queueHandle}. */
export interface QueueHandleOptions {
  /**
   * How long a synchronous call may block waiting for the server's answer (for
   * `waitIncomingSync`, on top of its own timeout) before it throws a `TimeoutError`:
   * {@link QUEUE_SYNC_TIMEOUT_MS} by default. It only passes when the server's thread is stuck.
   */
  readonly syncTimeoutMs?: number;
}

/**
 * A queue server seen from another thread: the queue server's operations as requests over a
 * `MessagePort` (from `queueServer.port()`), asynchronous or blocking.
 */
export interface QueueHandle<In, Out> {
  /** See `QueueServer.clientIds`. */
  clientIds(): Promise<string[]>;
  /** See `QueueServer.isConnected`. */
  isConnected(clientId: string): Promise<boolean>;
  /** See `QueueServer.push`; the message is validated against the protocol on the server's side (a `DecodeError` code rejects). */
  push(clientId: string, message: Out): Promise<boolean>;
  /** See `QueueServer.pop`. */
  pop(clientId: string): Promise<In | undefined>;
  /** See `QueueServer.popAll`. */
  popAll(clientId: string): Promise<In[]>;
  /** See `QueueServer.isEmpty`. */
  isEmpty(clientId: string): Promise<boolean>;
  /** See `QueueServer.waitIncoming`; aborting rejects with the signal's reason and cancels the wait on the server. */
  waitIncoming(clientId: string, options?: WaitIncomingOptions): Promise<boolean>;
  /**
   * Block this thread until a message of the client waits (`true`), `timeoutMs` passes or the
   * client disconnects with nothing queued (`false`). For synchronous code in a worker thread:
   * never call it on the thread that runs the queue server (it could not answer).
   * @throws {@link ClosedError} when the handle or the server is closed, {@link TimeoutError} when the server does not answer.
   */
  waitIncomingSync(clientId: string, timeoutMs: number): boolean;
  /** `pop`, blocking this thread for the answer. */
  popSync(clientId: string): In | undefined;
  /** `push`, blocking this thread for the answer. */
  pushSync(clientId: string, message: Out): boolean;
  /** `clientIds`, blocking this thread for the answer. */
  clientIdsSync(): string[];
  /** Stop using the port: calls in progress reject with a {@link ClosedError}, the port closes. Safe to call twice. */
  close(): void;
}

/** An error the server side reported, rebuilt with its code. */
class RemoteQueueError extends RxmsgError {
  readonly code: RxmsgErrorCode;
  constructor(code: string, message: string) {
    super(message);
    // A code from the server side of the same build: one of rxmsg's codes.
    this.code = code as RxmsgErrorCode;
  }
}

function settled(reply: QueueReply): unknown {
  if (reply.ok) return reply.value;
  if (reply.code === 'CLOSED') throw new ClosedError(reply.message);
  throw new RemoteQueueError(reply.code, reply.message);
}

/**
 * The worker's side of a queue server's port. The asynchronous calls keep the thread alive only
 * while one is in progress; the synchronous ones block on `Atomics.wait` over a
 * `SharedArrayBuffer` signal and read the answer with `receiveMessageOnPort`, without the event
 * loop, so plain synchronous code in a worker can wait for clients.
 *
 * @example
 * ```ts
 * // main thread
 * const server = await createQueueServer({ listen: 'tcp://127.0.0.1:4000', protocol: Echo });
 * const port = server.port();
 * const worker = new Worker('./echo-worker.js', { workerData: { port }, transferList: [port] });
 *
 * // echo-worker.js
 * const queues = queueHandle<typeof Echo>(workerData.port);
 * for (;;) for (const id of queues.clientIdsSync())
 *   if (queues.waitIncomingSync(id, 50)) queues.pushSync(id, { kind: 'Echoed', text: queues.popSync(id)!.text });
 * ```
 */
export function queueHandle<P extends AnyProtocol>(port: MessagePort, options: QueueHandleOptions = {}): QueueHandle<ClientMessage<P>, ServerMessage<P>> {
  return new PortQueueHandle<ClientMessage<P>, ServerMessage<P>>(port, options.syncTimeoutMs ?? QUEUE_SYNC_TIMEOUT_MS);
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

class PortQueueHandle<In, Out> implements QueueHandle<In, Out> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private sync: { readonly port: MessagePort; readonly signal: Int32Array } | undefined;
  private closed = false;
  private readonly onMessage = (data: unknown): void => this.receive(data);
  /** The server closed its end (`stop()`): no answer will come. */
  private readonly onClose = (): void => this.shut(new ClosedError('the queue server is stopped'));

  constructor(
    private readonly port: MessagePort,
    private readonly syncTimeoutMs: number,
  ) {
    port.on('message', this.onMessage);
    port.on('close', this.onClose);
    // Only a call in progress keeps the thread alive.
    port.unref();
  }

  clientIds(): Promise<string[]> {
    return this.call('clientIds', {}) as Promise<string[]>;
  }
  isConnected(clientId: string): Promise<boolean> {
    return this.call('isConnected', { clientId }) as Promise<boolean>;
  }
  push(clientId: string, message: Out): Promise<boolean> {
    return this.call('push', { clientId, message }) as Promise<boolean>;
  }
  pop(clientId: string): Promise<In | undefined> {
    return this.call('pop', { clientId }) as Promise<In | undefined>;
  }
  popAll(clientId: string): Promise<In[]> {
    return this.call('popAll', { clientId }) as Promise<In[]>;
  }
  isEmpty(clientId: string): Promise<boolean> {
    return this.call('isEmpty', { clientId }) as Promise<boolean>;
  }

  waitIncoming(clientId: string, options: WaitIncomingOptions = {}): Promise<boolean> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const { id, result } = this.start('waitIncoming', timeoutMs === undefined || !Number.isFinite(timeoutMs) ? { clientId } : { clientId, timeoutMs });
    if (signal === undefined) return result as Promise<boolean>;
    const onAbort = (): void => {
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      this.released();
      if (!this.closed) this.port.postMessage({ type: 'cancel', id });
      p.reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => signal.removeEventListener('abort', onAbort);
    return (result as Promise<boolean>).finally(cleanup);
  }

  waitIncomingSync(clientId: string, timeoutMs: number): boolean {
    const fields = Number.isFinite(timeoutMs) ? { clientId, timeoutMs: Math.max(0, timeoutMs) } : { clientId };
    return this.callSync('waitIncoming', fields, (Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs) : Infinity) + this.syncTimeoutMs) as boolean;
  }
  popSync(clientId: string): In | undefined {
    return this.callSync('pop', { clientId }, this.syncTimeoutMs) as In | undefined;
  }
  pushSync(clientId: string, message: Out): boolean {
    return this.callSync('push', { clientId, message }, this.syncTimeoutMs) as boolean;
  }
  clientIdsSync(): string[] {
    return this.callSync('clientIds', {}, this.syncTimeoutMs) as string[];
  }

  close(): void {
    this.shut(new ClosedError('the queue handle is closed'));
  }

  /** Close both ports, once, and fail the calls in progress with `error`. */
  private shut(error: ClosedError): void {
    if (this.closed) return;
    this.closed = true;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.port.off('message', this.onMessage);
    this.port.off('close', this.onClose);
    this.port.close();
    this.sync?.port.close();
    this.sync = undefined;
    for (const p of pending) p.reject(error);
  }

  private call(op: QueueOp, fields: { clientId?: string; message?: Out; timeoutMs?: number }): Promise<unknown> {
    return this.start(op, fields).result;
  }

  private start(op: QueueOp, fields: { clientId?: string; message?: Out; timeoutMs?: number }): { id: number; result: Promise<unknown> } {
    const id = this.nextId++;
    if (this.closed) return { id, result: Promise.reject(new ClosedError('the queue handle is closed')) };
    const result = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.port.ref();
    this.port.postMessage({ type: 'call', id, op, ...fields, sync: false });
    return { id, result };
  }

  private released(): void {
    if (this.pending.size === 0 && !this.closed) this.port.unref();
  }

  private receive(data: unknown): void {
    if (QueueStoppedSchema.safeParse(data).success) {
      this.shut(new ClosedError('the queue server is stopped'));
      return;
    }
    const parsed = QueueReplySchema.safeParse(data);
    if (!parsed.success) return; // Not from a queue port host: nothing of ours to settle.
    const reply = parsed.data;
    const p = this.pending.get(reply.id);
    if (p === undefined) return; // Cancelled meanwhile.
    this.pending.delete(reply.id);
    this.released();
    try {
      p.resolve(settled(reply));
    } catch (error) {
      p.reject(error);
    }
  }

  /**
   * Read what waits on the main port without the event loop (a blocked thread runs none): replies
   * are settled as usual. @returns whether the server said it stopped (the handle is then closed).
   */
  private drainMain(): boolean {
    for (let got = receiveMessageOnPort(this.port); got !== undefined; got = receiveMessageOnPort(this.port)) {
      if (QueueStoppedSchema.safeParse(got.message).success) {
        this.shut(new ClosedError('the queue server is stopped'));
        return true;
      }
      this.receive(got.message);
    }
    return false;
  }

  private attachSync(): { readonly port: MessagePort; readonly signal: Int32Array } {
    if (this.sync !== undefined) return this.sync;
    const { port1, port2 } = new MessageChannel();
    const buffer = new SharedArrayBuffer(SYNC_SIGNAL_BYTES);
    this.port.postMessage({ type: 'attach-sync', port: port2, signal: buffer }, [port2]);
    this.sync = { port: port1, signal: new Int32Array(buffer) };
    return this.sync;
  }

  private callSync(op: QueueOp, fields: { clientId?: string; message?: Out; timeoutMs?: number }, deadlineMs: number): unknown {
    if (this.closed) throw new ClosedError('the queue handle is closed');
    const sync = this.attachSync();
    const id = this.nextId++;
    Atomics.store(sync.signal, SYNC_READY, 0);
    this.port.postMessage({ type: 'call', id, op, ...fields, sync: true });
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const got = receiveMessageOnPort(sync.port);
      if (got !== undefined) {
        const reply = QueueReplySchema.safeParse(got.message);
        // An answer to an earlier call that timed out here is skipped.
        if (reply.success && reply.data.id === id) return settled(reply.data);
        continue;
      }
      if (Atomics.load(sync.signal, SYNC_CLOSED) === 1) throw new ClosedError('the queue server is stopped');
      // A server that stopped before it learnt of this signal said so on the main port: read it without the event loop.
      if (this.drainMain()) throw new ClosedError('the queue server is stopped');
      if (Atomics.load(sync.signal, SYNC_READY) === 1) {
        // Raised for a reply now in the port (or an older one): clear it and look again.
        Atomics.store(sync.signal, SYNC_READY, 0);
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`the queue server did not answer ${op} within ${deadlineMs} ms`);
      Atomics.wait(sync.signal, SYNC_READY, 0, Number.isFinite(left) ? left : undefined);
    }
  }
}
