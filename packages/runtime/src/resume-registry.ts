import { Subscription, type SchedulerLike } from 'rxjs';
import {
  ResumeRefusedError,
  TimeoutError,
  toRxmsgError,
  ResumeFrameError,
  type Connection,
  type ResumeOptions,
  type ResumeRefusalReason,
  type RxmsgError,
} from '@rxmsg/core';
import {
  RESUME_TOKEN_BYTES,
  ResumeFrameType,
  encodeWelcome,
  parseHello,
  type ResumeFrame,
  type ResumeHello,
} from '@rxmsg/core/internal';
import { RESUME_MAX_DATA_FRAME, ResumableConnection, resumeDataLimit } from './resumable-connection';
import { ResumeLink, type LinkSink } from './resume-link';

/** Tokens of closed sessions remembered (to refuse them as `expired` or `closed` rather than `unknown-session`). */
export const RESUME_TOMBSTONES = 1024;
/** Bytes of a token that name the session (the rest is its secret). */
const ID_BYTES = 8;

/** What a {@link ResumeRegistry} reports. */
export type ResumeRegistryEvent =
  | { readonly type: 'link-lost'; readonly peerId: number; readonly error?: RxmsgError }
  | { readonly type: 'resumed'; readonly peerId: number; readonly remoteAddress: string }
  | { readonly type: 'resume-refused'; readonly remoteAddress: string; readonly reason: ResumeRefusalReason; readonly peerId?: number; readonly error?: RxmsgError };

/** Options of a {@link ResumeRegistry}. */
export interface ResumeRegistryOptions {
  readonly resume: ResumeOptions;
  readonly scheduler: SchedulerLike;
  /** Deadline of a physical connection's `hello` (0: none). */
  readonly handshakeTimeoutMs: number;
  /** Largest message of the stack: bounds what a paused session holds. */
  readonly maxFrameBytes: number;
  readonly emit: (event: ResumeRegistryEvent) => void;
}

/**
 * A server's side of session resumption: it reads the `hello` of each accepted physical connection
 * (bounded: one frame of at most 64 bytes, within `handshakeTimeoutMs`), starts a new
 * {@link ResumableConnection} or hands the physical connection to the detached one the token names, and
 * keeps the server's resumable connections by token id. A detached one closes after `windowMs`; the
 * registry then remembers its id for a while (at most {@link RESUME_TOMBSTONES}) to refuse it as
 * `expired` or `closed`. It holds one entry per live session: bounded by the server's `maxConnections`.
 * Tokens are 24 random bytes: an 8-byte id, looked up, and a 16-byte secret, compared in constant time.
 */
export class ResumeRegistry {
  private readonly live = new Map<string, ResumableConnection>();
  private readonly tombstones = new Map<string, ResumeRefusalReason>();
  private stopping = false;
  /** Handshakes in progress, each with a way to refuse it (when the server stops). */
  private readonly pending = new Set<() => void>();

  constructor(private readonly options: ResumeRegistryOptions) {}

  /** Physical connections whose hello is awaited now (each holds at most one small frame, for at most `handshakeTimeoutMs`). */
  get handshaking(): number {
    return this.pending.size;
  }

  /** Sessions it holds (attached or detached). */
  get size(): number {
    return this.live.size;
  }

  /**
   * Read the hello of `connection` and act on it.
   * @param onNew - told of a new session's connection: run a session on it (synchronously: the frames that follow the hello go to it).
   */
  accept(connection: Connection, onNew: (connection: ResumableConnection) => void): void {
    const options = this.options;
    // No data frame before the hello is answered: a handshake holds one small frame at most.
    const link = new ResumeLink(connection, 0, options.scheduler);
    const remoteAddress = connection.remoteAddress;
    let timer: Subscription | undefined;
    const stop = (): void => refuse('stopping');
    this.pending.add(stop);
    const done = (): void => {
      timer?.unsubscribe();
      this.pending.delete(stop);
    };
    const refuse = (reason: ResumeRefusalReason, error?: RxmsgError, peerId?: number): void => {
      done();
      link.finish(encodeWelcome({ kind: 'refused', reason }));
      const base = { type: 'resume-refused', remoteAddress, reason } as const;
      options.emit({ ...base, ...(peerId === undefined ? {} : { peerId }), ...(error === undefined ? {} : { error }) });
    };
    const handshake: LinkSink = {
      frame: (_link, frame: ResumeFrame) => {
        done();
        if (frame.type !== ResumeFrameType.Hello) {
          refuse('unsupported', new ResumeFrameError(`expected a hello frame, got type 0x${frame.type.toString(16)}`));
          return;
        }
        link.limitData(resumeDataLimit(connection.framing, options.maxFrameBytes));
        try {
          this.hello(link, parseHello(frame.payload), refuse, onNew);
        } catch (error) {
          refuse('unsupported', toRxmsgError(error, (c) => new ResumeFrameError(String(c), { cause: c })));
        }
      },
      linkDrained: () => {},
      linkLost: (_link, error) => {
        done();
        // A client without resumption sends its protocol's bytes: not a frame of this layer.
        options.emit({ type: 'resume-refused', remoteAddress, reason: 'unsupported', ...(error === undefined ? {} : { error }) });
      },
    };
    if (options.handshakeTimeoutMs > 0) {
      timer = options.scheduler.schedule(() => refuse('unsupported', new TimeoutError(`no resume hello within ${options.handshakeTimeoutMs} ms`)), options.handshakeTimeoutMs);
    }
    link.start(handshake);
  }

  /**
   * Refuse resumptions from now on, refuse the handshakes in progress (their physical connections end)
   * and close every detached session (the attached ones close with their sessions).
   */
  stop(): void {
    this.stopping = true;
    for (const refuse of [...this.pending]) refuse();
    for (const c of [...this.live.values()]) if (c.detached) c.fail(new ResumeRefusedError('stopping'));
  }

  private hello(
    link: ResumeLink,
    hello: ResumeHello,
    refuse: (reason: ResumeRefusalReason, error?: RxmsgError, peerId?: number) => void,
    onNew: (connection: ResumableConnection) => void,
  ): void {
    if (this.stopping) {
      refuse('stopping');
      return;
    }
    if (hello.kind === 'new') {
      const token = new Uint8Array(RESUME_TOKEN_BYTES);
      globalThis.crypto.getRandomValues(token);
      const id = idOf(token);
      const { resume, scheduler } = this.options;
      link.write(encodeWelcome({ kind: 'accepted', token }));
      const connection = new ResumableConnection({
        link,
        token,
        bufferBytes: resume.bufferBytes,
        windowMs: resume.windowMs,
        expiry: 'expired',
        holdBytes: resume.bufferBytes + Math.max(RESUME_MAX_DATA_FRAME, this.options.maxFrameBytes),
        scheduler,
        onDetached: (c, error) => {
          this.options.emit(error === undefined ? { type: 'link-lost', peerId: c.peerId } : { type: 'link-lost', peerId: c.peerId, error });
          // A stopping server resumes nothing: waiting would only hold its close() up.
          if (this.stopping) c.fail(new ResumeRefusedError('stopping'));
        },
        onClosed: (c, error) => {
          if (this.live.get(id) === c) this.live.delete(id);
          this.bury(id, error instanceof ResumeRefusedError && error.reason === 'expired' ? 'expired' : 'closed');
        },
      });
      this.live.set(id, connection);
      onNew(connection);
      return;
    }
    const id = idOf(hello.token);
    const connection = this.live.get(id);
    if (connection === undefined) {
      refuse(this.tombstones.get(id) ?? 'unknown-session');
      return;
    }
    if (!sameSecret(connection.token, hello.token)) {
      refuse('bad-token', undefined, connection.peerId);
      return;
    }
    if (link.connection.framing !== connection.framing) {
      // Another listener's transport: its frames could not carry the session's (attach would refuse it after the welcome).
      refuse('unsupported', new ResumeFrameError(`a ${connection.framing} session cannot resume over a ${link.connection.framing} connection`), connection.peerId);
      return;
    }
    if (!connection.canReplayFrom(hello.received)) {
      refuse('offset-out-of-range', undefined, connection.peerId);
      return;
    }
    link.write(encodeWelcome({ kind: 'resumed', received: connection.received }));
    connection.attach(link, hello.received);
    this.options.emit({ type: 'resumed', peerId: connection.peerId, remoteAddress: link.connection.remoteAddress });
  }

  private bury(id: string, reason: ResumeRefusalReason): void {
    this.tombstones.set(id, reason);
    if (this.tombstones.size > RESUME_TOMBSTONES) {
      const oldest = this.tombstones.keys().next();
      if (oldest.done !== true) this.tombstones.delete(oldest.value);
    }
  }
}

function idOf(token: Uint8Array): string {
  let id = '';
  for (let i = 0; i < ID_BYTES; i++) id += (token[i] as number).toString(16).padStart(2, '0');
  return id;
}

/** Compare the secrets of two tokens in time independent of where they differ. */
function sameSecret(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== RESUME_TOKEN_BYTES || b.length !== RESUME_TOKEN_BYTES) return false;
  let diff = 0;
  for (let i = ID_BYTES; i < RESUME_TOKEN_BYTES; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
