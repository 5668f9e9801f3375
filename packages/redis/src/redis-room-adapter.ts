import { randomBytes } from 'node:crypto';
import { asyncScheduler, interval, type SchedulerLike, type Subscription } from 'rxjs';
import { createClient } from 'redis';
import { z } from 'zod';
import { ClosedError, MalformedMessageError, PeerNotFoundError, RemoteDeliveryError, TimeoutError, TransportError } from '@rxmsg/core';
import { LocalRoomAdapter, MAX_NODE_NUMBER, nodeOfPeer, type NodeSnapshot, type RoomHost, type RoomPacket, type SendToResult } from '@rxmsg/runtime';
import type { ServerSnapshot } from '@rxmsg/runtime';
import { AggregatedReporter } from './aggregated-reporter';
import { LiveNodes } from './live-nodes';
import { PendingReplies } from './pending-replies';
import { PresenceWriter } from './presence-writer';
import { resolveRedisOptions, type RedisRoomAdapterOptions, type ResolvedRedisOptions } from './redis-adapter-options';
import { decodePacket, encodePacket, type RedisPacket } from './redis-packet';
import { HEARTBEAT_SCRIPT, LIVE_NODES_SCRIPT } from './redis-scripts';

type Client = ReturnType<typeof createClient>;

/** Counters of a {@link RedisRoomAdapter}, since it attached. */
export interface RedisAdapterStats {
  /** Packets handed to Redis (broadcasts, room sends, direct sends, control). */
  readonly published: number;
  /** Messages that could not go to other nodes (Redis down, in-flight limit, a publish that failed). */
  readonly undelivered: number;
  /** Packets received from other nodes. */
  readonly received: number;
  /** Packets received that could not be decoded (another version, garbage on the channel). */
  readonly undecodable: number;
  /** Times a Redis connection (the publisher or the subscriber) was lost, each loss once however many reconnection attempts followed; a subscriber Redis disconnected for reading too slowly counts too. */
  readonly disconnects: number;
  /** Times this node registered its number again after Redis lost it (a restart with an empty dataset). */
  readonly reregistered: number;
  /** Publishes waiting for Redis's acknowledgement now. */
  readonly inFlight: number;
  /** Requests waiting for another node's answer now. */
  readonly pendingReplies: number;
  /** Whether sharded pub/sub is in use. */
  readonly sharded: boolean;
  /** Whether the publishing connection to Redis is up now. */
  readonly ready: boolean;
}

const LiveNodesReply = z.array(z.number());
/** Node numbers are claimed from a shared sequence; a taken one (an older node still alive) is skipped, this many times at most. */
const MAX_CLAIM_ATTEMPTS = 256;
/** Presence ids written per command when the whole set is rewritten. */
const PRESENCE_CHUNK = 1_000;
/** How long `close()` waits for Redis to take the goodbye and close the connections, in ms; then the sockets are dropped (below the server's own bound on an adapter's close). */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * A rooms adapter that carries room sends, broadcasts and direct sends between the nodes of an
 * application through Redis pub/sub, and keeps a presence registry there. See
 * {@link redisRoomAdapter} and docs/scaling.md ("Redis").
 *
 * Delivery between nodes is at-most-once: what cannot go out (Redis down, the in-flight limit
 * reached) is counted and reported as `room-error` events whose cause is a `RemoteDeliveryError`
 * (the first at once, then at most one per `reportIntervalMs`, with the count); delivery on this
 * node is never affected.
 */
export class RedisRoomAdapter extends LocalRoomAdapter {
  private readonly options: ResolvedRedisOptions;
  private readonly scheduler: SchedulerLike;
  private readonly token = randomBytes(12).toString('base64url');
  private readonly prefix: string;
  private readonly live: LiveNodes;
  private readonly pending: PendingReplies;
  private readonly undelivered: AggregatedReporter;
  private readonly troubles: AggregatedReporter;
  private readonly undecodable: AggregatedReporter;
  private pub: Client | undefined;
  private sub: Client | undefined;
  private number = 0;
  private sharded = false;
  private closed = false;
  private heartbeat: Subscription | undefined;
  /** The wait of {@link RedisRoomAdapter.listenForHeartbeats}, while it runs. */
  private listening: Subscription | undefined;
  private beating = false;
  /** This node's open peers and their presence set in Redis (created at attach). */
  private presence: PresenceWriter | undefined;
  private counts = { published: 0, received: 0, disconnects: 0, reregistered: 0, inFlight: 0 };

  /** @throws `ConfigError` for a bad option. */
  constructor(options: RedisRoomAdapterOptions = {}) {
    super();
    this.options = resolveRedisOptions(options);
    this.scheduler = this.options.scheduler ?? asyncScheduler;
    this.prefix = `rxmsg:${this.options.namespace}:`;
    this.live = new LiveNodes(this.options.presenceTtlMs, this.options.maxNodes, this.scheduler);
    this.pending = new PendingReplies(this.options.maxPendingReplies, this.scheduler);
    const interval = this.options.reportIntervalMs;
    this.undelivered = new AggregatedReporter((count, cause) => this.host?.report('publish', new RemoteDeliveryError(count, reason(cause), { cause })), interval, this.scheduler);
    // Connection errors and undecodable packets are aggregated the same way: one report carries the count and the latest cause.
    this.troubles = new AggregatedReporter((count, cause) => this.host?.report('connection', new TransportError(`Redis: ${count === 1 ? '' : `${count} errors since the last report; the latest: `}${reason(cause)}`, { cause })), interval, this.scheduler);
    this.undecodable = new AggregatedReporter(
      (count, cause) => this.host?.report('decode', count === 1 ? cause : new MalformedMessageError(`${count} packets from other nodes could not be decoded; the latest: ${reason(cause)}`, { cause })),
      interval,
      this.scheduler,
    );
  }

  /** This node's number, claimed in Redis at attach (0 before). */
  get node(): number {
    return this.number;
  }

  /** The counters since attach. */
  stats(): RedisAdapterStats {
    return {
      published: this.counts.published,
      undelivered: this.undelivered.count,
      received: this.counts.received,
      undecodable: this.undecodable.count,
      disconnects: this.counts.disconnects,
      reregistered: this.counts.reregistered,
      inFlight: this.counts.inFlight,
      pendingReplies: this.pending.size,
      sharded: this.sharded,
      ready: this.pub?.isReady === true,
    };
  }

  /** Whether node `node` is alive as far as this node knows (heard from within `presenceTtlMs`). */
  isNodeAlive(node: number): boolean {
    return node === this.number || this.live.alive(node);
  }

  /** The live nodes this node knows of, itself included, in ascending order. */
  liveNodes(): number[] {
    return [...new Set([this.number, ...this.live.list()])].sort((a, b) => a - b);
  }

  /** The peer ids node `node` registered in Redis (this node's own: as last written). Rejects when Redis cannot be read. */
  async peersOf(node: number): Promise<number[]> {
    const pub = this.client();
    const ids = await pub.sMembers(this.key(`peers:${node}`));
    return ids.map(Number).sort((a, b) => a - b);
  }

  override async attach(host: RoomHost): Promise<void> {
    super.attach(host);
    this.closed = false; // a failed attach may be retried (a later createServer with the same registry)
    const { url, maxReconnectDelayMs, maxInFlight } = this.options;
    const pub: Client = createClient({
      url,
      disableOfflineQueue: true,
      commandsQueueMaxLength: maxInFlight + this.options.maxPendingReplies + 64,
      socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 16), maxReconnectDelayMs), connectTimeout: this.options.connectTimeoutMs },
    });
    const sub: Client = pub.duplicate();
    this.pub = pub;
    this.sub = sub;
    for (const client of [pub, sub]) {
      // node-redis emits 'error' for every failed (re)connection: an unheard one would crash the process.
      client.on('error', (error: unknown) => this.troubles.add(1, error));
    }
    try {
      // The whole start is bounded, not only the connection: a Redis that accepts but does not answer (paused writes during a failover) fails it too.
      await this.withTimeout(this.start(pub, sub), 'start', this.options.connectTimeoutMs + Math.ceil(this.options.heartbeatMs * 1.25));
    } catch (error) {
      this.closed = true;
      this.listening?.unsubscribe();
      this.listening = undefined;
      destroy(pub);
      destroy(sub);
      // What was counted is reported now: no timer outlives a failed start.
      this.troubles.close();
      this.undecodable.close();
      throw error;
    }
    for (const client of [pub, sub]) {
      // A loss counts once, however many reconnection attempts follow it.
      let up = true;
      const lost = (): void => {
        if (up) this.counts.disconnects++;
        up = false;
      };
      client.on('ready', () => (up = true)).on('reconnecting', lost).on('end', lost);
    }
    // Back after an outage: register again at once (Redis may have restarted empty) rather than at the next beat.
    pub.on('ready', () => void this.beat());
    this.heartbeat = interval(this.options.heartbeatMs, this.scheduler).subscribe(() => void this.beat());
  }

  /** Connect both clients, claim a number, subscribe and beat once: the part of `attach` bounded by `connectTimeoutMs`. */
  private async start(pub: Client, sub: Client): Promise<void> {
    await Promise.all([pub.connect(), sub.connect()]);
    this.sharded = this.options.pubsub === 'sharded' || (this.options.pubsub === 'auto' && (await this.serverMajor()) >= 7);
    const onMessage = (message: Buffer): void => this.receive(message);
    // Hear the other nodes before claiming a number: the live ones are skipped.
    if (this.sharded) await sub.sSubscribe(this.key('all'), onMessage, true);
    else await sub.subscribe(this.key('all'), onMessage, true);
    await this.readLiveNodes();
    // A dataset without the number sequence is new or was emptied (a restart without persistence,
    // FLUSHALL): nodes still running hold numbers that Redis forgot. They register again at their
    // next heartbeat; listening for one heartbeat period first keeps their numbers from being taken.
    if ((await pub.exists(this.key('seq'))) === 0) await this.listenForHeartbeats();
    await this.claimNumber();
    const key = this.key(`peers:${this.number}`);
    const ttl = this.options.presenceTtlMs;
    this.presence = new PresenceWriter(
      {
        ready: () => pub.isReady,
        update: (add, remove) => {
          const multi = pub.multi();
          if (add.length > 0) multi.sAdd(key, [...add]);
          if (remove.length > 0) multi.sRem(key, [...remove]);
          return multi.pExpire(key, ttl).exec();
        },
        replace: (ids) => {
          const multi = pub.multi().del(key);
          for (let i = 0; i < ids.length; i += PRESENCE_CHUNK) multi.sAdd(key, ids.slice(i, i + PRESENCE_CHUNK));
          return multi.pExpire(key, ttl).exec();
        },
      },
      this.options.presenceFlushMs,
      this.scheduler,
      (error) => this.troubles.add(1, error),
    );
    if (this.sharded) await sub.sSubscribe(this.nodeChannel(this.number), onMessage, true);
    else await sub.subscribe(this.nodeChannel(this.number), onMessage, true);
    await this.readLiveNodes();
    await this.beat();
  }

  peerOpened(peerId: number): void {
    this.presence?.peerOpened(peerId);
  }

  peerClosed(peerId: number): void {
    this.presence?.peerClosed(peerId);
  }

  override publish(packet: RoomPacket): void {
    this.send(this.key('all'), { t: 'pub', from: this.number, p: packet }, 1);
  }

  override forward(peerId: number, message: unknown): boolean {
    const node = nodeOfPeer(peerId);
    if (!this.isNodeAlive(node)) return false;
    this.send(this.nodeChannel(node), { t: 'fwd', from: this.number, peer: peerId, m: message }, 1);
    return true;
  }

  /** See {@link @rxmsg/runtime!RoomAdapter#forwardConfirmed}: rejects with `PeerNotFoundError` (`node-down`) at once for a node not alive, or one no subscriber listens for. */
  forwardConfirmed(peerId: number, message: unknown, timeoutMs: number): Promise<SendToResult> {
    const node = nodeOfPeer(peerId);
    if (!this.isNodeAlive(node)) return Promise.reject(new PeerNotFoundError(peerId, 'node-down'));
    return new Promise<SendToResult>((resolve, reject) => {
      const id = this.pending.open(timeoutMs, {
        reply: (from, body) => {
          const answer = body as RedisPacket; // what receive() passes: the decoded packet
          // Only an `ack` from the node asked settles it (not a `snap` under the same id, nor another node's packet).
          if (answer.t !== 'ack' || from !== node) return false;
          resolve(answer.r);
          return true;
        },
        timeout: () => reject(new TimeoutError(`node ${node} did not answer within ${timeoutMs} ms`)),
        abort: reject,
      });
      if (id === undefined) return reject(new RemoteDeliveryError(1, `${this.options.maxPendingReplies} requests are waiting for other nodes already`));
      const receivers = this.send(this.nodeChannel(node), { t: 'ask', from: this.number, peer: peerId, m: message, id }, 1);
      if (receivers === undefined) {
        this.pending.drop(id);
        return reject(new RemoteDeliveryError(1, 'Redis is not available'));
      }
      void receivers.then((n) => {
        if (n > 0) return;
        this.pending.drop(id);
        // Nobody listens on that node's channel: it is gone (its heartbeat just has not expired yet).
        if (n === 0) reject(new PeerNotFoundError(peerId, 'node-down'));
        else reject(new RemoteDeliveryError(1, 'the publish to Redis failed'));
      });
    });
  }

  /** See {@link @rxmsg/runtime!RoomAdapter#snapshots}: asks every live node; those that do not answer in time are listed with `error: 'timeout'`. */
  snapshots(timeoutMs: number): Promise<readonly NodeSnapshot[]> {
    const expected = new Set(this.live.list().filter((n) => n !== this.number));
    const got = new Map<number, NodeSnapshot>();
    const finish = (): NodeSnapshot[] => {
      for (const n of expected) if (!got.has(n)) got.set(n, { node: n, error: 'timeout' });
      return [...got.values()].sort((a, b) => a.node - b.node);
    };
    return new Promise((resolve, reject) => {
      if (expected.size === 0) return resolve([]);
      const id = this.pending.open(timeoutMs, {
        reply: (from, body) => {
          const answer = body as RedisPacket; // what receive() passes: the decoded packet
          if (answer.t !== 'snap' || !expected.has(from)) return false; // an `ack` under the same id, a node not asked
          got.set(from, answer.e !== undefined ? { node: from, error: answer.e } : { node: from, snapshot: answer.s as ServerSnapshot }); // what the other node's host.snapshot() returned
          const done = [...expected].every((n) => got.has(n));
          if (done) resolve(finish());
          return done;
        },
        timeout: () => resolve(finish()),
        abort: reject,
      });
      if (id === undefined) return reject(new RemoteDeliveryError(1, `${this.options.maxPendingReplies} requests are waiting for other nodes already`));
      if (this.send(this.key('all'), { t: 'snap?', from: this.number, id }, 1) === undefined) {
        this.pending.drop(id);
        resolve([...expected].map((n) => ({ node: n, error: 'Redis is not available' })));
      }
    });
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.heartbeat?.unsubscribe();
    this.presence?.close();
    this.pending.abortAll(new ClosedError('the Redis rooms adapter closed'));
    const pub = this.pub;
    const sub = this.sub;
    const goodbye = async (): Promise<void> => {
      if (pub?.isReady === true) {
        // Goodbye: other nodes forget this one now rather than after the TTL.
        const bye = encodePacket({ t: 'bye', from: this.number });
        const said = this.sharded ? pub.sPublish(this.key('all'), bye) : pub.publish(this.key('all'), bye);
        const cleanup = pub.multi().del(this.key(`node:${this.number}`)).del(this.key(`peers:${this.number}`)).zRem(this.key('nodes'), String(this.number)).exec();
        await Promise.allSettled([said, cleanup]);
      }
      for (const client of [pub, sub]) {
        if (client === undefined) continue;
        if (client.isReady) await client.close().catch(() => destroy(client));
        else destroy(client);
      }
    };
    // A Redis that accepts but never answers (paused, overloaded) must not hold the sockets open: past the bound they are dropped.
    if (!(await settlesWithin(goodbye(), CLOSE_TIMEOUT_MS, this.scheduler))) {
      if (pub !== undefined) destroy(pub);
      if (sub !== undefined) destroy(sub);
    }
    this.undelivered.close();
    this.troubles.close();
    this.undecodable.close();
    this.live.clear();
    super.close();
  }

  /**
   * Publish `packet` on `channel`, within the in-flight bound. @returns the number of receivers
   * Redis reports, or `undefined` when it did not go out (then `count` messages are counted and reported).
   */
  private send(channel: string, packet: RedisPacket, count: number): Promise<number> | undefined {
    const pub = this.pub;
    if (pub === undefined || this.closed || !pub.isReady) {
      this.undelivered.add(count, new Error('Redis is not available'));
      return undefined;
    }
    if (this.counts.inFlight >= this.options.maxInFlight) {
      this.undelivered.add(count, new Error(`${this.options.maxInFlight} publishes in flight (Redis is slow)`));
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = encodePacket(packet);
    } catch (error) {
      this.undelivered.add(count, error);
      return undefined;
    }
    this.counts.inFlight++;
    this.counts.published++;
    const sent = this.sharded ? pub.sPublish(channel, bytes) : pub.publish(channel, bytes);
    return sent.then(
      (receivers) => {
        this.counts.inFlight--;
        return receivers;
      },
      (error: unknown) => {
        this.counts.inFlight--;
        this.undelivered.add(count, error);
        return -1;
      },
    );
  }

  private receive(bytes: Buffer): void {
    const decoded = decodePacket(bytes);
    if (!decoded.ok) return this.undecodable.add(1, decoded.error);
    const packet = decoded.packet;
    if (packet.from === this.number) return; // our own broadcast, echoed by Redis
    this.counts.received++;
    const host = this.host;
    if (host === undefined || this.closed) return;
    try {
      switch (packet.t) {
        case 'pub':
          host.deliver(packet.p);
          break;
        case 'beat':
          this.live.heard(packet.from);
          break;
        case 'bye':
          this.live.gone(packet.from);
          break;
        case 'fwd':
          host.sendTo(packet.peer, packet.m);
          break;
        case 'ask':
          this.send(this.nodeChannel(packet.from), { t: 'ack', from: this.number, id: packet.id, r: host.sendTo(packet.peer, packet.m) }, 0);
          break;
        case 'ack':
          this.pending.reply(packet.id, packet.from, packet);
          break;
        case 'snap?':
          // Not before this node has a number (it is still listening for the others).
          if (this.number !== 0) this.answerSnapshot(host, packet.from, packet.id);
          break;
        case 'snap':
          this.pending.reply(packet.id, packet.from, packet);
          break;
      }
    } catch (error) {
      host.report('receive', error);
    }
  }

  private answerSnapshot(host: RoomHost, to: number, id: number): void {
    let snapshot: ServerSnapshot;
    try {
      const s = host.snapshot();
      // Listener contexts are the application's objects: they stay on their node.
      snapshot = { ...s, listeners: s.listeners.map((l) => ({ ...l, context: undefined })), connections: s.connections.map((c) => ({ ...c, listenerContext: undefined })) };
    } catch (error) {
      this.send(this.nodeChannel(to), { t: 'snap', from: this.number, id, e: reason(error) }, 0);
      return;
    }
    if (this.send(this.nodeChannel(to), { t: 'snap', from: this.number, id, s: snapshot }, 0) === undefined) return;
  }

  /** Renew this node's number and presence; after Redis lost them, register again. Never rejects. */
  private async beat(): Promise<void> {
    const pub = this.pub;
    if (this.beating || this.closed || pub === undefined || !pub.isReady) return;
    this.beating = true;
    try {
      const n = String(this.number);
      const result = await pub.eval(HEARTBEAT_SCRIPT, { keys: [this.key(`node:${n}`), this.key('nodes'), this.key(`peers:${n}`), this.key('seq')], arguments: [this.token, String(this.options.presenceTtlMs), n] });
      if (result === 0) {
        this.host?.report('heartbeat', new Error(`node number ${n} is held by another instance (this one was cut off from Redis for longer than presenceTtlMs); restart this node`));
      } else {
        if (result === 2) {
          this.counts.reregistered++;
          this.presence?.markDirty();
        }
        await this.presence?.rewriteIfDirty();
        this.send(this.key('all'), { t: 'beat', from: this.number }, 0);
        this.live.prune();
      }
    } catch (error) {
      this.troubles.add(1, error);
    } finally {
      this.beating = false;
    }
  }

  /** Wait one heartbeat period (and a quarter), hearing the other nodes' heartbeats on the shared channel. */
  private listenForHeartbeats(): Promise<void> {
    // The start's bound has room for this wait (connectTimeoutMs + the same 1.25 × heartbeatMs).
    return new Promise<void>((resolve) => {
      this.listening = this.scheduler.schedule(() => {
        this.listening = undefined;
        resolve();
      }, Math.ceil(this.options.heartbeatMs * 1.25));
    });
  }

  private async claimNumber(): Promise<void> {
    const pub = this.client();
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const seq = await pub.incr(this.key('seq'));
      const n = ((seq - 1) % Math.min(MAX_NODE_NUMBER, this.options.maxNodes * 64)) + 1;
      // A number heard alive (its key may be gone: an emptied Redis) is not free.
      if (this.live.alive(n)) continue;
      const taken = await pub.set(this.key(`node:${n}`), this.token, { condition: 'NX', expiration: { type: 'PX', value: this.options.presenceTtlMs } });
      if (taken === 'OK') {
        this.number = n;
        return;
      }
    }
    throw new Error(`no free node number after ${MAX_CLAIM_ATTEMPTS} attempts`);
  }

  private async readLiveNodes(): Promise<void> {
    const reply = LiveNodesReply.parse(await this.client().eval(LIVE_NODES_SCRIPT, { keys: [this.key('nodes')] }));
    for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] !== this.number) this.live.heard(reply[i]!, reply[i + 1]!);
  }

  private async serverMajor(): Promise<number> {
    const info = await this.client().info('server');
    return Number(/redis_version:(\d+)/.exec(info)?.[1] ?? '0');
  }

  private withTimeout<T>(promise: Promise<T>, what: string, ms = this.options.connectTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.scheduler.schedule(() => reject(new TimeoutError(`Redis ${what} did not finish within ${ms} ms`)), ms);
      promise.then(
        (v) => (timer.unsubscribe(), resolve(v)),
        (e: unknown) => (timer.unsubscribe(), reject(e)),
      );
    });
  }

  private client(): Client {
    if (this.pub === undefined) throw new ClosedError('the Redis rooms adapter is not attached');
    return this.pub;
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private nodeChannel(node: number): string {
    return `${this.prefix}to:${node}`;
  }
}

/** Close a client's socket now, whatever state it is in (node-redis throws for one already closed). */
function destroy(client: Client): void {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed: nothing to release
  }
}

/** Whether `promise` settled within `ms` on `scheduler` (its outcome is not needed). */
function settlesWithin(promise: Promise<unknown>, ms: number, scheduler: SchedulerLike): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = scheduler.schedule(() => resolve(false), ms);
    const done = (): void => {
      timer.unsubscribe();
      resolve(true);
    };
    promise.then(done, done);
  });
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Create a rooms adapter that spreads a server's rooms over every node sharing a Redis: pass it
 * to `createRooms({ adapter })`. The server's start connects to Redis, claims the node number its
 * peer ids carry, and subscribes; `server.close()` says goodbye and disconnects.
 * @throws `ConfigError` for a bad option (at once); `createServer` rejects with a
 * `RoomAdapterError` (operation `attach`) when Redis cannot be reached within `connectTimeoutMs`.
 * @example
 * ```ts
 * import { createRooms, createServer } from '@rxmsg/node';
 * import { redisRoomAdapter } from '@rxmsg/redis';
 *
 * const adapter = redisRoomAdapter({ url: 'redis://127.0.0.1:6379', namespace: 'chat' });
 * const rooms = createRooms({ adapter });
 * const server = await createServer({ listen, protocol, processor, rooms });
 * server.to('lobby').send(m);                        // this node's members now, the others through Redis
 * server.sendTo(id, m);                               // 'forwarded' to its node, 'not-found' at once if that node is down
 * await server.rooms.sendToConfirmed(id, m);          // what happened there, or PeerNotFoundError / TimeoutError
 * const all = await server.snapshotAll();             // every live node's snapshot
 * ```
 */
export function redisRoomAdapter(options: RedisRoomAdapterOptions = {}): RedisRoomAdapter {
  return new RedisRoomAdapter(options);
}
