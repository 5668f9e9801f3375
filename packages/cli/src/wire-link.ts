import { Observable } from 'rxjs';
import { DecodeError, MalformedMessageError, type Codec, type Connection, type RxmsgError } from '@rxmsg/core';

/** What a {@link WireLink} reports: a decoded value (not validated), a payload that failed to decode, a full write buffer that drained. */
export type WireEvent =
  | { readonly type: 'message'; readonly value: unknown }
  | { readonly type: 'malformed'; readonly error: DecodeError }
  | { readonly type: 'drain' };

/**
 * One connection spoken at the codec level, without a protocol: what the CLI uses to talk to any
 * rxmsg peer. Frames and decodes what arrives (at most `maxFrameBytes` per frame, the framer's
 * bound), answers heartbeat pings itself, and encodes what it is given.
 */
export class WireLink {
  /**
   * Cold, once: subscribing starts the connection. Completes when the connection closes cleanly,
   * errors with its typed error otherwise; unsubscribing destroys it.
   */
  readonly events$: Observable<WireEvent>;
  private readonly framed: boolean;

  constructor(
    readonly connection: Connection,
    readonly codec: Codec,
    maxFrameBytes: number,
  ) {
    this.framed = connection.framing === 'stream';
    this.events$ = new Observable<WireEvent>((subscriber) => {
      const framer = this.framed ? codec.createFramer(maxFrameBytes) : undefined;
      const payload = (frame: Uint8Array | string) => {
        const control = codec.controlOf(frame);
        if (control === 'ping') {
          connection.write(codec.controlFrame('pong', this.framed));
          return;
        }
        if (control !== undefined) return; // pongs and credits: the CLI keeps no streams
        try {
          subscriber.next({ type: 'message', value: codec.decode(frame) });
        } catch (error) {
          const decodeError = error instanceof DecodeError ? error : new MalformedMessageError('undecodable payload', { cause: error });
          subscriber.next({ type: 'malformed', error: decodeError });
        }
      };
      connection.start({
        onData(chunk) {
          if (framer === undefined) return payload(chunk);
          framer.push(chunk);
          for (let frame = framer.next(); frame !== undefined; frame = framer.next()) {
            if (frame instanceof DecodeError) subscriber.next({ type: 'malformed', error: frame });
            else payload(frame);
          }
        },
        onEnd() {
          const error = framer?.end();
          if (error !== undefined) subscriber.next({ type: 'malformed', error });
          connection.end();
        },
        onDrain() {
          subscriber.next({ type: 'drain' });
        },
        onClose(error: RxmsgError | undefined) {
          if (error === undefined) subscriber.complete();
          else subscriber.error(error);
        },
      });
      return () => connection.destroy();
    });
  }

  /** Encode and write `value`; `false` when the transport's buffer is full (a `drain` event follows). */
  send(value: unknown): boolean {
    return this.connection.write(this.framed ? this.codec.encodeFrame(value) : this.codec.encodePayload(value));
  }

  /** Finish sending; the connection closes once the peer ends too. */
  end(): void {
    this.connection.end();
  }
}
