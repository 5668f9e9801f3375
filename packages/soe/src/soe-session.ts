/**
 * One end of one SOE session, sans-I/O: a pure object fed with datagrams and the current time,
 * giving back the datagrams to send and the application payloads delivered. It owns no timer and
 * no socket and never reads the clock: every call that depends on time takes `now` (ms,
 * non-decreasing), and {@link SoeSession.nextDeadline} tells the driver when to call
 * {@link SoeSession.poll} next.
 *
 * ## Negotiation
 * - The client's {@link SoeSession.start} queues a `SessionRequest`: protocol version 3, a random
 *   session id (from the injected `random`), its UDP length and the application protocol. It is
 *   resent every `negotiationRetryMs` until a `SessionResponse` with the same session id comes.
 * - The server answers a `SessionRequest` with a `SessionResponse`: the session id, a random CRC
 *   seed, its CRC length (default 2) and compression flag, the smaller of both UDP lengths, the
 *   version. A request for another version, an application protocol the server does not host, or
 *   a UDP length below {@link MIN_UDP_LENGTH} is refused with `Disconnect(ProtocolMismatch)`.
 *   A repeated request with the same session id (the response was lost) is answered again; one
 *   with another id on an open session is dropped and counted (a flood never stops the session).
 * - A client refuses the same way a response of another version, or with a UDP length above the
 *   one it asked for (the server read a corrupted request: control packets carry no CRC).
 * - Before negotiation there are no session parameters, so a refusal `Disconnect` is sent without
 *   compression flag and CRC (as {@link PLAIN_SESSION}), and a negotiating client reads it so.
 *
 * ## Data path
 * - {@link SoeSession.send} takes one application payload. Small payloads (that leave room for
 *   another in one packet) wait until the next poll and are bundled (`00 19`) with the others
 *   queued meanwhile; a larger one goes to the reliable channel alone (after flushing what waits,
 *   keeping the order). With an RC4 key, each payload is encrypted (leading-zero rule) before
 *   bundling, in send order, by a cipher of its own direction.
 * - The reliable channel's packets are encoded with the negotiated parameters and packed: those
 *   that fit together in the UDP length travel as one `MultiPacket`.
 * - Inbound, reliable packets pass through a {@link ReceiveSequencer}, which orders them and joins
 *   each message's first fragment to its complete length (see there), then through the channel;
 *   whole payloads are unbundled and decrypted in order and returned by {@link SoeSession.receive}.
 *
 * ## Liveness
 * - A `Heartbeat` is sent after `heartbeatMs` (default a third of `inactivityMs`: 10 s) without
 *   sending anything; the server answers every heartbeat it receives with one (the client does
 *   not, so they never echo forever). A client whose heartbeat got no answer (nothing received
 *   since) sends another every `heartbeatRetryMs`, until something comes or the session times
 *   out: one lost datagram must not end an idle session (a burst of heartbeats after a blocked
 *   event loop overflows a busy server's socket buffer; the default `heartbeatMs` of 25 s left
 *   no second chance within 30 s).
 * - After `inactivityMs` (30 s) without receiving a valid datagram, the session ends with
 *   `'timeout'` and sends `Disconnect(Timeout)` (also while negotiating).
 * - When the reliable channel ends on unacknowledged data, the session ends with
 *   `'unacknowledged-timeout'` and sends `Disconnect(UnacknowledgedTimeout)`.
 * - {@link SoeSession.close} sends `Disconnect(Application)` and ends; data not yet acknowledged is
 *   dropped. A `Disconnect` from the peer (with the session id) ends the session with
 *   `'peer-disconnected'`, sending nothing.
 *
 * ## Hostile input
 * Nothing thrown by decoding escapes {@link SoeSession.receive}: bad CRC, truncated packets,
 * unknown op codes, session-context packets before negotiation, `Disconnect`s with another session
 * id are dropped and counted in {@link SoeSession.stats}. A declared complete length beyond
 * `maxPayloadBytes`, or reliable data that does not add up, ends the session with
 * `'corrupt-data'` and `Disconnect(CorruptPacket)`, allocating nothing. Every buffer is bounded:
 * the sequencer's stash by the receive window, the bundle being filled by one packet, the send
 * queue by the channel's bounds.
 *
 * ## Not here
 * `RemapConnection` and `UnknownSender` belong to the server multiplexer, which routes datagrams
 * by address: it can check a `RemapConnection` against {@link SoeSession.sessionId} and
 * {@link SoeSession.crcSeed} before moving the session to the new address.
 */
import { TimeoutError, TransportError, ClosedError, FrameTooLargeError, type RxmsgError } from '@rxmsg/core';
import { decodeApplicationData, encryptApplicationBuffer } from './application-data';
import { channelPacketToSoePacket, soePacketToChannelPacket } from './channel-packet-codec';
import { dataBundleLengthSize } from './data-bundle-length';
import { encodeDataBundle, encodeTextDataBundle, isDataBundle } from './data-bundle';
import { DisconnectReason } from './disconnect-reason';
import { Rc4 } from './rc4';
import { ReliableChannel, type ReliableChannelStats } from './reliable-channel';
import { decodeSoeDatagram, encodeSoeDatagram } from './soe-datagram';
import type { SessionRequestPacket, SessionResponsePacket, SoeSubPacket } from './soe-packet';
import { SoePacketError } from './soe-packet-error';
import type { SoeSessionEnd, SoeSessionEndReason } from './soe-session-end';
import { MIN_UDP_LENGTH, SOE_PROTOCOL_VERSION, resolveSoeSessionOptions, type ResolvedSoeSessionOptions, type SoeSessionOptions } from './soe-session-options';
import { packSubPackets } from './soe-session-packer';
import { ReceiveSequencer, type ReceiveSequencerStats } from './soe-session-sequencer';
import { PLAIN_SESSION, sessionOverhead, type SoeSessionParams } from './soe-session-params';

/** The life of a session: negotiating, open, closing (a final `Disconnect` waits for `poll`), ended. */
export type SoeSessionState = 'idle' | 'negotiating' | 'open' | 'closing' | 'ended';

/** Bytes a payload may grow by on its way to the channel: a leading zero (RC4) and a bundle of one. */
const PAYLOAD_GROWTH = 1 + 2 + 5;

/** Counters of a session. */
export interface SoeSessionStats {
  readonly datagramsReceived: number;
  readonly datagramsSent: number;
  /** Datagrams dropped, by the decoder's error code. */
  readonly droppedMalformed: number;
  readonly droppedCrc: number;
  readonly droppedUnknownOpCode: number;
  readonly droppedTooLarge: number;
  /** Session-context packets received before negotiation (dropped). */
  readonly droppedBeforeNegotiation: number;
  /** Packets that do not belong to this session or its state: other session ids, requests on an open session, stray responses. */
  readonly droppedUnexpected: number;
  readonly heartbeatsSent: number;
  readonly heartbeatsReceived: number;
  readonly payloadsSent: number;
  readonly payloadsDelivered: number;
  /** Data bundles sent (reliable payloads holding several application payloads). */
  readonly bundlesSent: number;
  readonly sequencer: ReceiveSequencerStats;
  /** The reliable channel's counters, once the session is open. */
  readonly reliable: ReliableChannelStats | undefined;
}

type MutableCounters = {
  -readonly [K in Exclude<keyof SoeSessionStats, 'sequencer' | 'reliable'>]: number;
};

interface Negotiated {
  readonly params: SoeSessionParams;
  readonly udpLength: number;
  readonly channel: ReliableChannel;
  readonly sequencer: ReceiveSequencer;
  readonly maxDataBytes: number;
}

/** One end of one SOE session; see the module documentation. */
export class SoeSession {
  /** The role of this end. */
  readonly role: 'client' | 'server';
  private readonly options: ResolvedSoeSessionOptions;
  private readonly hosts: (name: string) => boolean;
  private readonly clientProtocol: string;
  private stateValue: SoeSessionState = 'idle';
  private endValue: SoeSessionEnd | undefined;
  private id: number | undefined;
  private seed: number | undefined;
  private protocolName: string | undefined;
  private session: Negotiated | undefined;
  private readonly encryptor: Rc4 | undefined;
  private readonly decryptor: Rc4 | undefined;

  private lastNow = 0;
  private lastSentAt = 0;
  private lastReceivedAt = 0;
  /**
   * Client: its last own `Heartbeat` went out and no datagram of the session was received since. A flag,
   * not a time compared with `lastReceivedAt`: an answer read at the same clock reading (a ms clock, a
   * sub-ms round trip) is an answer, and a datagram read just before the heartbeat in the same reading is not.
   */
  private heartbeatUnanswered = false;
  private requestSentAt: number | undefined;
  /** `SessionRequest`s sent: an answer to the only one is an RTT sample (Karn's rule otherwise). */
  private requestsSent = 0;
  /** Control datagrams (request, response, refusal, final disconnect) waiting for `poll`. */
  private readonly controlOut: Uint8Array[] = [];
  private heartbeatAnswers = 0;
  /** Payloads waiting to be bundled: bytes, or strings to be written as UTF-8 straight into the bundle. */
  private bundle: (Uint8Array | string)[] = [];
  /** The UTF-8 length of each entry of {@link bundle}. */
  private bundleLengths: number[] = [];
  private bundleBytes = 2;
  private readonly counters: MutableCounters = {
    datagramsReceived: 0, datagramsSent: 0, droppedMalformed: 0, droppedCrc: 0, droppedUnknownOpCode: 0, droppedTooLarge: 0,
    droppedBeforeNegotiation: 0, droppedUnexpected: 0, heartbeatsSent: 0, heartbeatsReceived: 0, payloadsSent: 0,
    payloadsDelivered: 0, bundlesSent: 0,
  };

  /** @throws ConfigError when an option is out of range. */
  constructor(options: SoeSessionOptions) {
    this.role = options.role;
    this.options = resolveSoeSessionOptions(options);
    if (options.role === 'server') {
      const hosted = options.applicationProtocols;
      this.hosts = typeof hosted === 'function' ? hosted : (name) => hosted.includes(name);
      this.clientProtocol = '';
    } else {
      this.hosts = (name) => name === options.applicationProtocol;
      this.clientProtocol = options.applicationProtocol;
    }
    const key = this.options.rc4Key;
    this.encryptor = key === undefined ? undefined : new Rc4(key);
    this.decryptor = key === undefined ? undefined : new Rc4(key);
  }

  /** The state of the session. */
  get state(): SoeSessionState {
    return this.stateValue;
  }

  /** How the session ended; set once it is `closing` or `ended`. */
  get ended(): SoeSessionEnd | undefined {
    return this.endValue;
  }

  /** The session id (chosen by the client), once known. */
  get sessionId(): number | undefined {
    return this.id;
  }

  /** The CRC seed (chosen by the server), once negotiated. */
  get crcSeed(): number | undefined {
    return this.seed;
  }

  /** The application protocol of the session, once negotiated. */
  get applicationProtocol(): string | undefined {
    return this.protocolName;
  }

  /** The negotiated parameters of session-context packets, once open. */
  get params(): SoeSessionParams | undefined {
    return this.session?.params;
  }

  /** The negotiated UDP length, once open. */
  get udpLength(): number | undefined {
    return this.session?.udpLength;
  }

  /** Whether {@link send} would accept a payload now (open or negotiating, and the channel has room). */
  get writable(): boolean {
    if (this.stateValue === 'negotiating' || this.stateValue === 'idle') return this.bundleBytes < this.options.udpLength;
    // A full bundle that the channel cannot take yet blocks the next payload too.
    return this.stateValue === 'open' && this.session !== undefined && this.session.channel.writable && (this.bundle.length === 0 || this.channelAccepts(this.bundleBytes + this.bundle.length));
  }

  /** Whether nothing waits to be sent or acknowledged (the channel is idle, no bundle or control datagram waits). */
  get idle(): boolean {
    return this.bundle.length === 0 && this.controlOut.length === 0 && this.heartbeatAnswers === 0 && (this.session?.channel.idle ?? true);
  }

  /**
   * Starts the session at `now`. The client queues its `SessionRequest`; the server waits for one.
   * Calling it twice does nothing.
   */
  start(now: number): void {
    if (this.stateValue !== 'idle') return;
    this.tick(now);
    this.stateValue = 'negotiating';
    this.lastReceivedAt = now;
    this.lastSentAt = now;
    if (this.role === 'client') {
      this.id = this.options.random() >>> 0;
      this.protocolName = this.clientProtocol;
      this.queueRequest(now);
    }
  }

  /**
   * Queues one application payload for reliable, ordered delivery. Returns `false`, queuing
   * nothing, under backpressure (see {@link writable}) or once the session is closing or ended.
   * Payloads sent while negotiating wait (within one datagram's worth) for the session to open.
   * @throws FrameTooLargeError when `payload` is over `maxPayloadBytes`.
   */
  send(payload: Uint8Array | string, byteLength?: number): boolean {
    // A string is sent as its UTF-8 bytes (`byteLength` of them, when the caller knows); a small
    // one is written straight into its bundle.
    const length = byteLength ?? (typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length);
    if (length > this.options.maxPayloadBytes) throw new FrameTooLargeError(length, this.options.maxPayloadBytes);
    if (this.stateValue === 'closing' || this.stateValue === 'ended') return false;
    const entry = dataBundleLengthSize(length + 1) + length + 1;
    const budget = this.session?.maxDataBytes ?? this.options.udpLength;
    if (this.session === undefined) {
      // Negotiating: hold at most one datagram's worth (and one payload's) until the session opens.
      if (this.bundleBytes + entry > Math.min(budget, this.options.maxPayloadBytes) && this.bundle.length > 0) return false;
      this.bundle.push(payload);
      this.bundleLengths.push(length);
      this.bundleBytes += entry;
      return true;
    }
    const small = 2 + entry * 2 <= budget;
    if (!small || this.bundleBytes + entry > budget) {
      if (!this.flushBundle()) return false;
    }
    if (small) {
      this.bundle.push(payload);
      this.bundleLengths.push(length);
      this.bundleBytes += entry;
      this.counters.payloadsSent += 1;
      return true;
    }
    if (!this.channelAccepts(length + PAYLOAD_GROWTH)) return false;
    this.session.channel.send(this.prepare([payload], [length]));
    this.counters.payloadsSent += 1;
    return true;
  }

  /**
   * Feeds one datagram from the peer at `now`. Returns the application payloads it completed, in
   * order (often none). Never throws on any bytes: what cannot be used is dropped and counted.
   */
  receive(datagram: Uint8Array, now: number): Uint8Array[] {
    this.tick(now);
    if (this.stateValue === 'idle' || this.stateValue === 'closing' || this.stateValue === 'ended') return [];
    this.counters.datagramsReceived += 1;
    const negotiated = this.session;
    let packet;
    try {
      packet = decodeSoeDatagram(datagram, negotiated?.params ?? PLAIN_SESSION);
    } catch (error) {
      if (!(error instanceof SoePacketError)) throw error;
      this.countDrop(error);
      return [];
    }
    switch (packet.kind) {
      case 'session-request':
        this.onRequest(packet, now);
        return [];
      case 'session-response':
        this.onResponse(packet, now);
        return [];
      case 'unknown-sender':
      case 'remap-connection':
        this.counters.droppedUnexpected += 1;
        return [];
      case 'disconnect':
        if (negotiated === undefined && this.role === 'server') {
          this.counters.droppedBeforeNegotiation += 1;
          return [];
        }
        this.onSubPacket(packet, now, []);
        return [];
      default:
        break;
    }
    if (negotiated === undefined) {
      this.counters.droppedBeforeNegotiation += 1;
      return [];
    }
    this.lastReceivedAt = now;
    this.heartbeatUnanswered = false;
    const delivered: Uint8Array[] = [];
    const packets = packet.kind === 'multi-packet' ? packet.packets : [packet];
    for (const p of packets) {
      if (this.stateValue !== 'open') break;
      this.onSubPacket(p, now, delivered);
    }
    return delivered;
  }

  /** Runs the timers due at `now` and returns the datagrams to send now, in order. */
  poll(now: number): Uint8Array[] {
    this.tick(now);
    const out: Uint8Array[] = [];
    if (this.stateValue === 'idle' || this.stateValue === 'ended') return out;
    if (this.stateValue === 'closing') return this.finish(out);
    if (now >= this.lastReceivedAt + this.options.inactivityMs) {
      this.end('timeout', DisconnectReason.Timeout, new TimeoutError(`nothing received for ${now - this.lastReceivedAt} ms`), now);
      return this.finish(out);
    }
    if (this.stateValue === 'negotiating' && this.role === 'client' && this.requestSentAt !== undefined && now >= this.requestSentAt + this.options.negotiationRetryMs) {
      this.queueRequest(now);
    }
    out.push(...this.controlOut.splice(0));
    const negotiated = this.session;
    if (negotiated !== undefined && this.stateValue === 'open') {
      this.flushBundle();
      const subs: SoeSubPacket[] = [];
      // Out-of-order notices go with an up-to-date ack (as TCP acks at once on out-of-order data):
      // a sender that reads them with a stale ack would take packets that did arrive for lost.
      if (negotiated.sequencer.hasNotice) negotiated.channel.acknowledgeNow(now);
      for (const p of negotiated.channel.poll(now)) subs.push(channelPacketToSoePacket(p));
      const ended = negotiated.channel.ended;
      if (ended !== undefined) {
        if (ended.reason === 'unacknowledged-timeout') this.end('unacknowledged-timeout', DisconnectReason.UnacknowledgedTimeout, ended.error, now);
        else this.end('corrupt-data', DisconnectReason.CorruptPacket, ended.error, now);
        return this.finish(out);
      }
      for (const sequence of negotiated.sequencer.takeNotices()) subs.push({ kind: 'out-of-order', sequence });
      for (; this.heartbeatAnswers > 0; this.heartbeatAnswers--) subs.push({ kind: 'heartbeat' });
      const heartbeatDue = this.options.heartbeatMs > 0 && now >= this.lastSentAt + this.heartbeatWait();
      if (subs.length === 0 && out.length === 0 && heartbeatDue) {
        subs.push({ kind: 'heartbeat' });
        if (this.role === 'client') this.heartbeatUnanswered = true;
      }
      this.counters.heartbeatsSent += subs.filter((s) => s.kind === 'heartbeat').length;
      const compress = this.options.compressOutbound && negotiated.params.compression;
      out.push(...packSubPackets(subs, negotiated.params, negotiated.udpLength, compress));
    }
    if (out.length > 0) this.lastSentAt = now;
    this.counters.datagramsSent += out.length;
    return out;
  }

  /**
   * When {@link poll} must be called next (same clock as `now`); at or before the current time
   * means at once. `undefined` once ended or before `start`.
   */
  nextDeadline(): number | undefined {
    if (this.stateValue === 'idle' || this.stateValue === 'ended') return undefined;
    if (this.stateValue === 'closing' || this.controlOut.length > 0 || this.heartbeatAnswers > 0) return this.lastNow;
    let deadline = this.lastReceivedAt + this.options.inactivityMs;
    if (this.stateValue === 'negotiating' && this.requestSentAt !== undefined) deadline = Math.min(deadline, this.requestSentAt + this.options.negotiationRetryMs);
    const s = this.session;
    if (s !== undefined && this.stateValue === 'open') {
      // A bundle waits for the next poll, unless the channel has no room for it: then for an ack.
      if ((this.bundle.length > 0 && this.channelAccepts(this.bundleBytes + this.bundle.length)) || s.sequencer.hasNotice) return this.lastNow;
      const channel = s.channel.nextDeadline();
      if (channel !== undefined) deadline = Math.min(deadline, channel);
      if (this.options.heartbeatMs > 0) deadline = Math.min(deadline, this.lastSentAt + this.heartbeatWait());
    }
    return deadline;
  }

  /** How long after the last send a `Heartbeat` is due: `heartbeatRetryMs` while the client's last one is unanswered. */
  private heartbeatWait(): number {
    return this.heartbeatUnanswered ? this.options.heartbeatRetryMs : this.options.heartbeatMs;
  }

  /**
   * Closes the session at `now`: queues `Disconnect(Application)` for the next poll (when the
   * session is known to the peer) and ends with `'closed'`. Unacknowledged data is dropped.
   */
  close(now: number): void {
    this.tick(now);
    if (this.stateValue === 'closing' || this.stateValue === 'ended') return;
    if (this.stateValue === 'idle') {
      this.endValue = { reason: 'closed', sentReason: undefined, peerReason: undefined, error: undefined, at: now };
      this.stateValue = 'ended';
      return;
    }
    this.end('closed', DisconnectReason.Application, undefined, now);
  }

  /**
   * Acknowledges what arrived in order at the next poll, even if it was acknowledged before: the
   * driver calls it when the application reads again after datagrams were dropped unread, so the
   * peer resends at once rather than after its backed-off timeout.
   */
  acknowledgeNow(now: number): void {
    this.tick(now);
    if (this.stateValue === 'open') this.session?.channel.acknowledgeNow(now);
  }

  /** A snapshot of the counters. */
  stats(): SoeSessionStats {
    return {
      ...this.counters,
      sequencer: this.session?.sequencer.stats() ?? { stashed: 0, droppedBeyondWindow: 0, duplicates: 0 },
      reliable: this.session?.channel.stats(),
    };
  }

  private tick(now: number): void {
    if (now > this.lastNow) this.lastNow = now;
  }

  private queueRequest(now: number): void {
    const request: SessionRequestPacket = {
      kind: 'session-request',
      protocolVersion: SOE_PROTOCOL_VERSION,
      sessionId: this.id ?? 0,
      udpLength: this.options.udpLength,
      applicationProtocol: this.clientProtocol,
    };
    this.controlOut.push(encodeSoeDatagram(request));
    this.requestSentAt = now;
    this.requestsSent += 1;
  }

  private onRequest(request: SessionRequestPacket, now: number): void {
    if (this.role !== 'server') {
      this.counters.droppedUnexpected += 1;
      return;
    }
    if (this.session !== undefined) {
      if (request.sessionId === this.id && this.stateValue === 'open') {
        // The client did not get our response: answer again.
        this.lastReceivedAt = now;
        this.controlOut.push(encodeSoeDatagram(this.response()));
      } else {
        this.counters.droppedUnexpected += 1;
      }
      return;
    }
    this.id = request.sessionId;
    this.lastReceivedAt = now;
    const why = request.protocolVersion !== SOE_PROTOCOL_VERSION
      ? `protocol version ${request.protocolVersion}, not ${SOE_PROTOCOL_VERSION}`
      : !this.hosts(request.applicationProtocol)
        ? `application protocol "${request.applicationProtocol}" is not hosted`
        : request.udpLength < MIN_UDP_LENGTH
          ? `UDP length ${request.udpLength} is below ${MIN_UDP_LENGTH}`
          : undefined;
    if (why !== undefined) {
      this.end('protocol-mismatch', DisconnectReason.ProtocolMismatch, new TransportError(`SOE session refused: ${why}`), now);
      return;
    }
    this.protocolName = request.applicationProtocol;
    this.seed = this.options.random() >>> 0;
    const params: SoeSessionParams = { crcSeed: this.seed, crcLength: this.options.crcLength, compression: this.options.compression };
    this.open(params, Math.min(this.options.udpLength, request.udpLength));
    this.controlOut.push(encodeSoeDatagram(this.response()));
  }

  private response(): SessionResponsePacket {
    const s = this.session as Negotiated;
    return {
      kind: 'session-response',
      sessionId: this.id ?? 0,
      crcSeed: s.params.crcSeed,
      crcLength: s.params.crcLength,
      compression: s.params.compression,
      udpLength: s.udpLength,
      protocolVersion: SOE_PROTOCOL_VERSION,
    };
  }

  private onResponse(response: SessionResponsePacket, now: number): void {
    if (this.role !== 'client' || this.stateValue !== 'negotiating' || response.sessionId !== this.id) {
      this.counters.droppedUnexpected += 1;
      return;
    }
    this.lastReceivedAt = now;
    // A server answers the smaller UDP length; a larger one means it read another request
    // (control packets carry no CRC) and would send datagrams this end cannot take.
    const badLength = response.udpLength < MIN_UDP_LENGTH || response.udpLength > this.options.udpLength;
    if (response.protocolVersion !== SOE_PROTOCOL_VERSION || badLength) {
      const why = response.protocolVersion !== SOE_PROTOCOL_VERSION ? `protocol version ${response.protocolVersion}` : `UDP length ${response.udpLength}`;
      this.end('protocol-mismatch', DisconnectReason.ProtocolMismatch, new TransportError(`SOE session response refused: ${why}`), now);
      return;
    }
    this.seed = response.crcSeed;
    const sentAt = this.requestSentAt;
    const onlyRequest = this.requestsSent === 1;
    this.open({ crcSeed: response.crcSeed, crcLength: response.crcLength, compression: response.compression }, Math.min(this.options.udpLength, response.udpLength));
    // The handshake's round trip is the channel's first RTT sample (not after a resent request: ambiguous).
    if (onlyRequest && sentAt !== undefined) this.session?.channel.sampleRtt(now - sentAt);
  }

  private open(params: SoeSessionParams, udpLength: number): void {
    const maxDataBytes = udpLength - sessionOverhead(params) - 2;
    const channel = new ReliableChannel({ ...this.options.reliable, maxDataBytes, maxPayloadBytes: this.options.maxPayloadBytes + PAYLOAD_GROWTH });
    const sequencer = new ReceiveSequencer(channel.options.initialReceiveSequence, channel.options.receiveWindowPackets, channel.options.maxPayloadBytes);
    this.session = { params, udpLength, channel, sequencer, maxDataBytes };
    this.stateValue = 'open';
    this.requestSentAt = undefined;
    // Payloads sent while negotiating go as one reliable payload (a bundle when several): the
    // channel is empty, so it takes it whatever its queue bounds, and the bundle is within
    // maxPayloadBytes (the channel fragments it if it exceeds one packet).
    if (this.bundle.length > 0) {
      channel.send(this.prepare(this.bundle, this.bundleLengths));
      this.counters.payloadsSent += this.bundle.length;
      if (this.bundle.length > 1) this.counters.bundlesSent += 1;
      this.bundle = [];
      this.bundleLengths = [];
      this.bundleBytes = 2;
    }
  }

  private onSubPacket(packet: SoeSubPacket, now: number, delivered: Uint8Array[]): void {
    switch (packet.kind) {
      case 'heartbeat':
        this.counters.heartbeatsReceived += 1;
        if (this.role === 'server' && this.heartbeatAnswers < 4) this.heartbeatAnswers += 1;
        return;
      case 'disconnect':
        if (this.id === undefined || packet.sessionId !== this.id) {
          this.counters.droppedUnexpected += 1;
          return;
        }
        this.endValue = {
          reason: this.stateValue === 'negotiating' && packet.reason === DisconnectReason.ProtocolMismatch ? 'protocol-mismatch' : 'peer-disconnected',
          sentReason: undefined,
          peerReason: packet.reason,
          error: new ClosedError(`the SOE peer disconnected (reason ${packet.reason})`),
          at: now,
        };
        this.release();
        this.stateValue = 'ended';
        return;
      default:
        break;
    }
    const s = this.session;
    const channelPacket = soePacketToChannelPacket(packet);
    if (s === undefined || channelPacket === undefined) return;
    if (channelPacket.kind === 'ack' || channelPacket.kind === 'out-of-order') {
      s.channel.receive(channelPacket, now);
      return;
    }
    const result = s.sequencer.accept(channelPacket);
    if (result.kind === 'failed') {
      this.end('corrupt-data', DisconnectReason.CorruptPacket, result.error, now);
      return;
    }
    for (const p of result.packets) {
      for (const payload of s.channel.receive(p, now)) {
        if (!this.deliver(payload, now, delivered)) return;
      }
      if (s.channel.ended !== undefined) {
        this.end('corrupt-data', DisconnectReason.CorruptPacket, s.channel.ended.error, now);
        return;
      }
    }
  }

  private deliver(payload: Uint8Array, now: number, delivered: Uint8Array[]): boolean {
    let buffers: Uint8Array[];
    try {
      buffers = decodeApplicationData(payload, this.decryptor);
    } catch (error) {
      if (!(error instanceof SoePacketError)) throw error;
      this.end('corrupt-data', DisconnectReason.CorruptPacket, error, now);
      return false;
    }
    for (const b of buffers) {
      if (b.length > this.options.maxPayloadBytes) {
        this.end('corrupt-data', DisconnectReason.CorruptPacket, new FrameTooLargeError(b.length, this.options.maxPayloadBytes, false), now);
        return false;
      }
      delivered.push(b);
      this.counters.payloadsDelivered += 1;
    }
    return true;
  }

  /** Whether the channel will accept `bytes` more (so a payload is encrypted only when it will be sent). */
  private channelAccepts(bytes: number): boolean {
    const s = this.session;
    return s !== undefined && s.channel.writable && s.channel.accepts(bytes);
  }

  /** Hands the payloads waiting to be bundled to the channel. Returns false when the channel has no room. */
  private flushBundle(): boolean {
    const s = this.session;
    if (s === undefined || this.bundle.length === 0) return true;
    if (!this.channelAccepts(this.bundleBytes + this.bundle.length)) return false;
    s.channel.send(this.prepare(this.bundle, this.bundleLengths));
    if (this.bundle.length > 1) this.counters.bundlesSent += 1;
    this.bundle = [];
    this.bundleLengths = [];
    this.bundleBytes = 2;
    return true;
  }

  /**
   * Encrypts (in send order) and bundles application payloads into one reliable payload.
   * `lengths` are their UTF-8 lengths (strings are written as UTF-8).
   */
  private prepare(items: readonly (Uint8Array | string)[], lengths: readonly number[]): Uint8Array {
    const cipher = this.encryptor;
    if (cipher === undefined && items.length > 1) return encodeTextDataBundle(items, lengths);
    const buffers = items.map(toBytes);
    const prepared = cipher === undefined ? buffers : buffers.map((b) => encryptApplicationBuffer(b, cipher));
    const only = prepared.length === 1 ? prepared[0] : undefined;
    if (only !== undefined && !isDataBundle(only)) return only;
    return encodeDataBundle(prepared);
  }

  private countDrop(error: SoePacketError): void {
    switch (error.code) {
      case 'SOE_CRC': this.counters.droppedCrc += 1; break;
      case 'SOE_UNKNOWN_OPCODE': this.counters.droppedUnknownOpCode += 1; break;
      case 'SOE_TOO_LARGE': this.counters.droppedTooLarge += 1; break;
      case 'SOE_NO_SESSION': this.counters.droppedBeforeNegotiation += 1; break;
      default: this.counters.droppedMalformed += 1;
    }
  }

  /** Ends the session and queues the `Disconnect` carrying `code` (when the session id is known). */
  private end(reason: SoeSessionEndReason, code: DisconnectReason, error: RxmsgError | undefined, now: number): void {
    if (this.endValue !== undefined) return;
    // A server that never heard a request has no peer to tell.
    const id = this.id;
    this.endValue = { reason, sentReason: id === undefined ? undefined : code, peerReason: undefined, error, at: now };
    this.release();
    // A server closed right after it opened still sends its SessionResponse first, so that the
    // client opens and reads the Disconnect with the session's parameters (as a TCP server may
    // accept and close at once). A client's pending request is dropped.
    if (this.role === 'client') this.controlOut.length = 0;
    if (id !== undefined) this.controlOut.push(encodeSoeDatagram({ kind: 'disconnect', sessionId: id, reason: code }, this.session?.params ?? PLAIN_SESSION));
    this.stateValue = 'closing';
  }

  private release(): void {
    this.bundle = [];
    this.bundleLengths = [];
    this.bundleBytes = 2;
    this.heartbeatAnswers = 0;
    this.session?.sequencer.clear();
  }

  private finish(out: Uint8Array[]): Uint8Array[] {
    out.push(...this.controlOut.splice(0));
    this.stateValue = 'ended';
    this.counters.datagramsSent += out.length;
    return out;
  }
}

/** The UTF-8 bytes of a payload. */
function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}
