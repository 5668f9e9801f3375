import type { MessagePort } from 'node:worker_threads';
import { ClosedError, DecodeError, MalformedMessageError, RxmsgError, SendQueueFullError, TransportError, type AnyProtocol, type ServerMessage } from '@rxmsg/core';
import type { QueueServer } from '@rxmsg/runtime';
import { QueueRequestSchema, SYNC_CLOSED, SYNC_READY, type QueueReply, type QueueRequest } from './queue-wire';

type Call = Extract<QueueRequest, { type: 'call' }>;

/** `waitIncoming` calls one port may have in progress at once; one more fails with `SEND_QUEUE_FULL`. */
export const QUEUE_PORT_MAX_WAITS = 4096;

/**
 * The queue server's end of a `MessagePort` given to a worker thread: answers each
 * {@link queueHandle} request by calling the queue server, on the port for asynchronous calls,
 * on the synchronous port (then waking the shared signal) for the blocking ones. Messages pushed
 * from the worker are validated against the protocol's server messages first.
 */
export class QueuePortHost<P extends AnyProtocol> {
  /** `waitIncoming` calls in progress, by request id, for cancellation and close. */
  private readonly waits = new Map<number, AbortController>();
  private sync: { readonly port: MessagePort; readonly signal: Int32Array } | undefined;
  private closed = false;
  private readonly onMessage = (data: unknown): void => this.receive(data);

  /**
   * @param server - the queue server to serve.
   * @param protocol - its protocol: what a worker pushes is checked against its server messages.
   * @param port - this side of the channel (the other end goes to the worker).
   */
  constructor(
    private readonly server: QueueServer<P, unknown>,
    private readonly protocol: P,
    private readonly port: MessagePort,
  ) {
    port.on('message', this.onMessage);
  }

  /**
   * Stop serving, once: waits in progress end with a `CLOSED` error, a worker blocked in a
   * synchronous call wakes with a {@link ClosedError}, and both ports are closed.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wait of this.waits.values()) wait.abort(new ClosedError('the queue server is stopping'));
    this.waits.clear();
    this.port.off('message', this.onMessage);
    const sync = this.sync;
    this.sync = undefined;
    if (sync !== undefined) {
      Atomics.store(sync.signal, SYNC_CLOSED, 1);
      Atomics.store(sync.signal, SYNC_READY, 1);
      Atomics.notify(sync.signal, SYNC_READY);
      sync.port.close();
    }
    // Read by a worker whose first blocking call comes after this: it has no signal the stop could raise.
    this.port.postMessage({ type: 'stopped' });
    this.port.close();
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    const parsed = QueueRequestSchema.safeParse(data);
    if (!parsed.success) {
      // Only a handle of another version sends this: answer so that its call fails rather than hangs.
      const id: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, 'id') : undefined;
      this.port.postMessage({ id: typeof id === 'number' ? id : -1, ok: false, code: 'MESSAGE_INVALID', message: parsed.error.message } satisfies QueueReply);
      return;
    }
    const request = parsed.data;
    if (request.type === 'cancel') this.waits.get(request.id)?.abort(new ClosedError('cancelled by the worker'));
    else if (request.type === 'attach-sync') {
      this.sync?.port.close();
      this.sync = { port: request.port, signal: new Int32Array(request.signal) };
    } else {
      this.perform(request).then(
        (value) => this.reply(request, { id: request.id, ok: true, value }),
        (error: unknown) => {
          const e = error instanceof RxmsgError ? error : undefined;
          this.reply(request, { id: request.id, ok: false, code: e?.code ?? 'CALLBACK_FAILED', message: error instanceof Error ? error.message : String(error) });
        },
      );
    }
  }

  private async perform(call: Call): Promise<unknown> {
    const server = this.server;
    const id = call.clientId ?? '';
    switch (call.op) {
      case 'clientIds':
        return server.clientIds();
      case 'isConnected':
        return server.isConnected(id);
      case 'isEmpty':
        return server.isEmpty(id);
      case 'pop':
        return server.pop(id);
      case 'popAll':
        return server.popAll(id);
      case 'push': {
        const message = this.protocol.server.parse(call.message);
        if (message instanceof DecodeError) throw message;
        // parse() checked it against the protocol's server messages: it is a ServerMessage<P>.
        return server.push(id, message as ServerMessage<P>);
      }
      case 'waitIncoming': {
        if (this.waits.has(call.id)) throw new MalformedMessageError(`a wait with id ${call.id} is in progress`);
        if (this.waits.size >= QUEUE_PORT_MAX_WAITS) throw new SendQueueFullError(QUEUE_PORT_MAX_WAITS);
        const abort = new AbortController();
        this.waits.set(call.id, abort);
        try {
          return await server.waitIncoming(id, call.timeoutMs === undefined ? { signal: abort.signal } : { timeoutMs: call.timeoutMs, signal: abort.signal });
        } finally {
          this.waits.delete(call.id);
        }
      }
    }
  }

  private reply(call: Call, reply: QueueReply): void {
    if (this.closed) return;
    try {
      this.post(call, reply);
    } catch (error) {
      // A value the port cannot clone (a codec that decodes to functions or class instances): the call fails, typed.
      const e = new TransportError(`the answer cannot be posted to the worker: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      this.post(call, { id: call.id, ok: false, code: e.code, message: e.message });
    }
  }

  private post(call: Call, reply: QueueReply): void {
    const sync = this.sync;
    if (!call.sync) this.port.postMessage(reply);
    else if (sync === undefined) this.port.postMessage({ id: call.id, ok: false, code: 'CLOSED', message: 'no synchronous port attached' } satisfies QueueReply);
    else {
      // Posted before the signal is raised: once the worker sees the signal, the reply is there to receive.
      sync.port.postMessage(reply);
      Atomics.store(sync.signal, SYNC_READY, 1);
      Atomics.notify(sync.signal, SYNC_READY);
    }
  }
}
