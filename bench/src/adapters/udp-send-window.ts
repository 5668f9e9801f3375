/**
 * The flow control of the raw UDP one-way run, both ends: the sender keeps at most `window`
 * datagrams beyond the receiver's last acknowledgement, the receiver acknowledges every
 * `ackEvery` datagrams with the count it has received. It paces the sender to the receiver,
 * because UDP has none of TCP's: a sender that does not wait overruns the receiver's socket
 * buffer and the kernel drops what does not fit. It retransmits nothing: a lost datagram or
 * acknowledgement stalls the sender, and the receiver sees the gap.
 */
export interface UdpWindowSettings {
  /** Messages to send in all. */
  readonly total: number;
  /** Most datagrams sent and not yet acknowledged. */
  readonly window: number;
  /** The receiver acknowledges when its count reaches a multiple of this. At most `window`. */
  readonly ackEvery: number;
}

/** The sender's side of {@link UdpWindowSettings}: which message may go out now, and when it is done. */
export class UdpSendWindow {
  private sent = 0;
  private acked = 0;

  /** @throws RangeError when `ackEvery` is not in 1 … `window` (the sender would wait for an acknowledgement that never comes). */
  constructor(private readonly settings: UdpWindowSettings) {
    if (!(settings.ackEvery >= 1 && settings.ackEvery <= settings.window)) {
      throw new RangeError(`ackEvery must be in 1 … window (${settings.window}), got ${settings.ackEvery}`);
    }
  }

  /** The `n` of the next message to send now, or `undefined` when the window is full or everything was sent. */
  next(): number | undefined {
    if (this.sent >= this.settings.total || this.sent - this.acked >= this.settings.window) return undefined;
    return this.sent++;
  }

  /** The receiver acknowledged `received` messages (acknowledgements may arrive out of order or twice). */
  onAck(received: number): void {
    if (received > this.acked) this.acked = Math.min(received, this.sent);
  }

  /** Messages sent so far. */
  get sentCount(): number {
    return this.sent;
  }

  /** Messages acknowledged so far. */
  get ackedCount(): number {
    return this.acked;
  }

  /** `true` once everything was sent and the last acknowledgement the receiver will send arrived. */
  get done(): boolean {
    return this.sent >= this.settings.total && this.acked >= lastAck(this.settings);
  }
}

/** The last acknowledgement the receiver sends: the largest multiple of `ackEvery` up to `total` (0: none). */
export function lastAck(settings: UdpWindowSettings): number {
  return settings.total - (settings.total % settings.ackEvery);
}

/** The receiver's side: the acknowledgement to send after the `received`-th message, or `undefined` when none is due. */
export function ackDue(received: number, ackEvery: number): number | undefined {
  return received > 0 && received % ackEvery === 0 ? received : undefined;
}
