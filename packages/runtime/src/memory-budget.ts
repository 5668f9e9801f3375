import type { BaseConfig } from '@rxmsg/core';
import { BACKPRESSURE_CAP } from './outbound-policy';
import { MAX_WRITE, type ByteMeter } from './outbound-queue';
import { FRAME_BUFFER_SLACK } from './inbound-pump';

/** Bytes of the framework's heartbeat frames a connection may have queued: one ping and one pong. */
const CONTROL_BYTES = 16;

/** Bytes a Node socket buffers for writing before `write()` reports it full (`writableHighWaterMark`). */
const SOCKET_HIGH_WATER_MARK = 16_384;

/**
 * The most bytes one connection can make rxmsg hold, whatever its peer sends or fails to read:
 *
 * ```
 *   maxFrameBytes + FRAME_BUFFER_SLACK          undecoded input: a partial frame, and what arrived with it
 * + receiveQueueLimit × maxFrameBytes           messages delivered and not yet consumed (`consume()`)
 * + BACKPRESSURE_CAP × sendQueueBytes
 *   + maxFrameBytes                             the send queue, past its limit under 'backpressure' by one message at most
 * + 16                                          one ping and one pong
 * + MAX_WRITE + 16 KiB                          the transport's write buffer: one coalesced write past its high-water mark
 * + for each lane of `lanes`:                    (see docs/lanes.md; the default lane is the send queue above)
 *     (BACKPRESSURE_CAP under 'backpressure', else 1) × (its bytes, or sendQueueBytes) + maxFrameBytes
 * ```
 *
 * Messages count at their wire size; what a processor keeps of them in its own operators is its
 * own. Over WebSocket, the `ws` library first assembles each message whole, up to the transport's
 * `maxPayload` (by default `maxFrameBytes` plus at most 64 KiB): add it for those connections. With the defaults (1 MiB frames, a receive queue of 1,024, an 8 MiB send queue) that is
 * about 1.1 GiB, nearly all of it the receive queue of `consume()`: servers with many untrusted
 * peers lower `receiveQueueLimit` and `maxFrameBytes` together, and set `maxBufferedBytes`.
 *
 * @example
 * ```ts
 * const config = { maxFrameBytes: 4096, receiveQueueLimit: 16, sendQueueBytes: 65_536 } as const;
 * connectionMemoryBound(config); // 942,096 bytes at most per connection
 * ```
 */
export function connectionMemoryBound(
  config: Pick<BaseConfig, 'maxFrameBytes' | 'receiveQueueLimit' | 'sendQueueBytes'> & Partial<Pick<BaseConfig, 'lanes'>>,
): number {
  const frame = config.maxFrameBytes;
  let lanes = 0;
  for (const lane of Object.values(config.lanes ?? {})) {
    lanes += (lane.policy === 'backpressure' ? BACKPRESSURE_CAP : 1) * (lane.bytes ?? config.sendQueueBytes) + frame;
  }
  return (
    lanes +
    frame +
    FRAME_BUFFER_SLACK +
    config.receiveQueueLimit * frame +
    BACKPRESSURE_CAP * config.sendQueueBytes +
    frame +
    CONTROL_BYTES +
    MAX_WRITE +
    SOCKET_HIGH_WATER_MARK
  );
}

/**
 * A server's account of the bytes its connections hold in rxmsg's own buffers (undecoded input
 * and outbound queues). When the sum crosses `limit`, `overLimit` is called once, at the end of
 * the tick: the server then closes its greediest connections until the sum is under the limit.
 */
export class MemoryBudget implements ByteMeter {
  private heldBytes = 0;
  private checking = false;

  /**
   * @param limit - bytes all connections together may hold.
   * @param overLimit - sheds connections; called with the sum held, at most once a tick.
   */
  constructor(
    readonly limit: number,
    private readonly overLimit: (held: number) => void,
  ) {}

  /** Bytes held now by every connection together. */
  get held(): number {
    return this.heldBytes;
  }

  /** {@link ByteMeter.add}. */
  add(delta: number): void {
    const held = (this.heldBytes += delta);
    if (delta <= 0 || held <= this.limit || this.checking) return;
    this.checking = true;
    queueMicrotask(() => {
      this.checking = false;
      if (this.heldBytes > this.limit) this.overLimit(this.heldBytes);
    });
  }
}
