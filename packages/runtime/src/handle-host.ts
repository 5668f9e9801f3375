import { ClosedError, MalformedMessageError, TransportError } from '@rxmsg/core';
import { broadcastChannel, errorToWire, isHandleRequest, requestId, uniqueName, type Channel, type HandleHello, type HandleReply, type HandleRequest, type ServerHandleData } from './handle-wire';
import { serverSend } from './server-send';
import type { Session } from './session';

/** Handles one server serves at once, at most: a `hello` beyond it is answered `closed`. */
export const MAX_HANDLES = 1024;

/** What a {@link HandleHost} needs of its server. */
export interface HandleTarget {
  /** The live connection with id `peerId`. */
  session(peerId: number): Session<unknown> | undefined;
  /** The server's snapshot now. */
  snapshot(): unknown;
}

/**
 * The server's side of `server.handle()`: answers the requests of every handle opened from its
 * {@link ServerHandleData}, on the thread that owns the server. A handle announces itself on the
 * rendezvous channel with the name of its own channel; requests and replies then travel on that
 * channel, between two ends only, so handles do not see each other's traffic and each handle's
 * requests are applied in the order it sent them. Requests are applied synchronously as they
 * arrive: the host buffers nothing.
 */
export class HandleHost {
  /** The plain data to give to `openHandle()`. */
  readonly data: ServerHandleData;
  private readonly rendezvous: Channel;
  private readonly channels = new Map<string, Channel>();
  private closed = false;

  constructor(private readonly target: HandleTarget) {
    const name = `rxmsg-server:${uniqueName()}`;
    this.data = Object.freeze({ rxmsg: 'server-handle', channel: name });
    this.rendezvous = broadcastChannel(name);
    this.rendezvous.onmessage = (e) => this.hello(e.data);
  }

  private hello(data: unknown): void {
    if (!isHello(data) || this.closed || this.channels.has(data.channel)) return;
    const channel = broadcastChannel(data.channel);
    if (this.channels.size >= MAX_HANDLES) {
      channel.postMessage({ op: 'closed', refused: `${MAX_HANDLES} handles are open (MAX_HANDLES)` } satisfies HandleReply);
      channel.close();
      return;
    }
    this.channels.set(data.channel, channel);
    channel.onmessage = (e) => this.request(data.channel, channel, e.data);
    channel.postMessage({ op: 'ready' } satisfies HandleReply);
  }

  private request(name: string, channel: Channel, r: unknown): void {
    if (!isHandleRequest(r)) {
      // Not from a handle of this build: answered when it names a request, otherwise dropped.
      const id = requestId(r);
      if (id !== undefined) channel.postMessage({ op: 'failed', id, error: errorToWire(new MalformedMessageError('not a server handle request')) } satisfies HandleReply);
      return;
    }
    if (r.op === 'bye') {
      this.channels.delete(name);
      channel.close();
      return;
    }
    let reply: HandleReply;
    try {
      reply = { op: 'result', id: r.id, value: this.apply(r) };
    } catch (error) {
      reply = { op: 'failed', id: r.id, error: errorToWire(error) };
    }
    try {
      channel.postMessage(reply);
    } catch (error) {
      // A snapshot holding a listener context that cannot be cloned: the request fails, typed.
      const failed = new TransportError(`reply cannot be sent to the handle: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      channel.postMessage({ op: 'failed', id: r.id, error: errorToWire(failed) } satisfies HandleReply);
    }
  }

  private apply(r: Exclude<HandleRequest, { op: 'bye' }>): unknown {
    if (this.closed) throw new ClosedError('the server is closed');
    if (r.op === 'snapshot') return this.target.snapshot();
    const session = this.target.session(r.peerId);
    if (r.op === 'send') return session === undefined ? false : serverSend(session, r.message);
    if (session === undefined || session.closing) return false;
    session.close('local-close', r.reason === undefined ? undefined : new ClosedError(r.reason));
    return true;
  }

  /** The server closed: every handle is told, then every channel is closed. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const bye: HandleReply = { op: 'closed' };
    for (const channel of this.channels.values()) {
      channel.postMessage(bye);
      channel.close();
    }
    this.channels.clear();
    this.rendezvous.close();
  }
}

function isHello(data: unknown): data is HandleHello {
  return typeof data === 'object' && data !== null && (data as { op?: unknown }).op === 'hello' && typeof (data as { channel?: unknown }).channel === 'string';
}
