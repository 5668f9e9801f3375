import cluster, { type Worker } from 'node:cluster';
import { ClosedError, ConfigError, WorkerFailedError, type RxmsgError } from '@rxmsg/core';
import { DEFAULT_REMOTE_TIMEOUT_MS, nodeOfPeer, type ServerSnapshot } from '@rxmsg/runtime';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { ClusterEvent } from './cluster-events';
import { CLUSTER_ENV } from './cluster-env';
import type { ClusterHandle, ClusterWorkerInfo, WorkerSnapshot } from './cluster-handle';
import type { ResolvedClusterOptions } from './cluster-options';
import { DropReporter } from './drop-reporter';
import { IPC_MARKER, ToPrimarySchema, isClusterMessage, type ToWorker, type Unmarked } from './ipc-messages';
import { IpcOutbox } from './ipc-outbox';
import { NodeNumbers } from './node-numbers';
import { PendingRequests } from './pending-requests';
import { RestartBackoff } from './restart-backoff';
import { timerMs } from './timer-ms';

type Failure = { readonly name: string; readonly message: string; readonly code?: string | undefined; readonly field?: string | undefined; readonly problems?: readonly string[] | undefined };

/** A confirmed send relayed to a worker, waiting for its answer. */
interface Relayed {
  readonly from: number;
  readonly id: number;
  readonly peerId: number;
}

/** One worker process of a slot. */
interface Running {
  readonly worker: Worker;
  readonly node: number;
  readonly pid: number;
  readonly startedAt: number;
  readonly outbox: IpcOutbox;
  /** Drops of messages for this worker (a primary event). */
  readonly drops: DropReporter;
  /** Drops of this worker's messages for others (told back to it). */
  readonly undelivered: DropReporter;
  readonly relayed: Map<string, Relayed>;
  readonly snapshots: Set<number>;
  readonly detach: () => void;
  startTimer: Subscription | undefined;
  killTimer: Subscription | undefined;
  attached: boolean;
  /** A `nodes` message to it is being written; `announceAgain`: the alive set changed meanwhile. */
  announcing: boolean;
  announceAgain: boolean;
  listening: boolean;
  addresses: readonly string[];
  failure: Failure | undefined;
}

interface Slot {
  readonly index: number;
  readonly backoff: RestartBackoff | undefined;
  running: Running | undefined;
  restartTimer: Subscription | undefined;
}

let current: ClusterPrimary | undefined;

/**
 * The primary of a cluster: forks the workers, relays the rooms adapters' messages between them,
 * restarts crashed ones, gathers snapshots, shuts down. One per process (Node's cluster settings
 * are process-wide). @internal Created by `startCluster`.
 */
export class ClusterPrimary implements ClusterHandle {
  readonly events$: Observable<ClusterEvent>;
  readonly ready: Promise<void>;
  private readonly events = new Subject<ClusterEvent>();
  private readonly slots: Slot[];
  private readonly numbers = new NodeNumbers();
  private readonly snapshotRequests: PendingRequests<ServerSnapshot | 'timeout' | 'exited' | 'ipc-full'>;
  private settleReady: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private closing: Promise<void> | undefined;
  private readonly signalHandler = (): void => void this.close();

  /** @throws {@link @rxmsg/core!ConfigError} when a cluster runs in this process already, or this is not the primary process. */
  constructor(private readonly options: ResolvedClusterOptions) {
    if (!cluster.isPrimary) throw new ConfigError('runCluster', ['runCluster runs in the primary process; a worker calls clusterWorker']);
    if (current !== undefined) throw new ConfigError('runCluster', ['a cluster runs in this process already (Node cluster settings are process-wide): close it first']);
    current = this;
    this.events$ = this.events.asObservable();
    this.snapshotRequests = new PendingRequests(options.scheduler);
    const restart = options.restart;
    this.slots = Array.from({ length: options.workers }, (_, index) => ({ index, backoff: restart === false ? undefined : new RestartBackoff(restart), running: undefined, restartTimer: undefined }));
    this.ready = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject }));
    // The caller may await `ready` later (or only `close()`): not an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
    cluster.setupPrimary({ exec: options.worker, args: [...options.args], execArgv: [...options.execArgv], serialization: 'advanced', silent: options.silent });
    if (options.handleSignals) {
      process.on('SIGTERM', this.signalHandler);
      process.on('SIGINT', this.signalHandler);
    }
    for (const slot of this.slots) this.fork(slot);
  }

  addresses(): string[] {
    const all = new Set<string>();
    for (const s of this.slots) for (const a of s.running?.listening === true ? s.running.addresses : []) all.add(a);
    return [...all];
  }

  workers(): readonly ClusterWorkerInfo[] {
    return this.slots.flatMap((s) => (s.running === undefined ? [] : [{ slot: s.index, node: s.running.node, pid: s.running.pid, listening: s.running.listening }]));
  }

  async snapshot(options: { readonly timeoutMs?: number } = {}): Promise<{ readonly workers: readonly WorkerSnapshot[] }> {
    return { workers: await this.gather(undefined, options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS) };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.failReady(new ClosedError('the cluster was closed before every worker listened'));
    process.off('SIGTERM', this.signalHandler);
    process.off('SIGINT', this.signalHandler);
    const exits: Promise<void>[] = [];
    for (const slot of this.slots) {
      slot.restartTimer?.unsubscribe();
      slot.restartTimer = undefined;
      const running = slot.running;
      if (running === undefined) continue;
      running.startTimer?.unsubscribe();
      exits.push(new Promise<void>((resolve) => running.worker.once('exit', () => resolve())));
      // Directly, not through the bound: a worker whose outbox is full must still be told.
      try {
        running.worker.send({ [IPC_MARKER]: 1, t: 'shutdown' } satisfies ToWorker, undefined, undefined, () => undefined);
      } catch {
        // The channel is gone: the worker is exiting, or the kill below ends it.
      }
      running.killTimer = this.options.scheduler.schedule(() => this.kill(slot, running, 'shutdown-timeout'), this.options.shutdownTimeoutMs);
    }
    await Promise.all(exits);
    this.snapshotRequests.closeAll(() => new ClosedError('the cluster closed'));
    current = undefined;
    this.events.next({ type: 'closed' });
    this.events.complete();
  }

  private fork(slot: Slot): void {
    slot.restartTimer = undefined;
    const node = this.numbers.take();
    const worker = cluster.fork({
      ...this.options.env,
      [CLUSTER_ENV.node]: String(node),
      [CLUSTER_ENV.slot]: String(slot.index),
      [CLUSTER_ENV.maxInFlight]: String(this.options.maxInFlight),
    });
    const pid = worker.process.pid ?? -1;
    const onMessage = (message: unknown): void => this.onMessage(slot, running, message);
    const onExit = (code: number | null, signal: string | null): void => this.onExit(slot, running, code, signal);
    const onOnline = (): void => this.emit({ type: 'worker-online', slot: slot.index, node, pid });
    // A failed send reports through its callback; this is for the channel's own errors.
    const onError = (error: Error): void => this.emit({ type: 'worker-error', slot: slot.index, node, error });
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.once('online', onOnline);
    worker.on('error', onError);
    const running: Running = {
      worker,
      node,
      pid,
      startedAt: Date.now(),
      // The outbox only carries ToWorker messages (sendTo builds them). Once the cluster closes,
      // every worker is leaving: what cannot reach one (its channel closed first) is not a drop to report.
      outbox: new IpcOutbox({ send: (m, cb) => worker.send(m as ToWorker, undefined, undefined, cb) }, { maxInFlight: this.options.maxInFlight, onDrop: () => {
          if (this.closing === undefined) running.drops.add();
        } }),
      drops: new DropReporter((count) => this.emit({ type: 'ipc-dropped', slot: slot.index, node, count, inFlight: running.outbox.inFlight }), this.options.scheduler),
      undelivered: new DropReporter((count) => this.sendTo(running, { t: 'undelivered', count }), this.options.scheduler),
      relayed: new Map(),
      snapshots: new Set(),
      detach: () => {
        worker.off('message', onMessage);
        worker.off('online', onOnline);
        worker.off('error', onError);
      },
      startTimer: undefined,
      killTimer: undefined,
      attached: false,
      announcing: false,
      announceAgain: false,
      listening: false,
      addresses: [],
      failure: undefined,
    };
    running.startTimer = this.options.scheduler.schedule(() => this.kill(slot, running, 'start-timeout'), this.options.startTimeoutMs);
    slot.running = running;
  }

  private kill(slot: Slot, running: Running, reason: 'shutdown-timeout' | 'start-timeout'): void {
    if (slot.running !== running) return;
    this.emit({ type: 'worker-killed', slot: slot.index, node: running.node, pid: running.pid, reason });
    running.worker.process.kill('SIGKILL');
  }

  private onMessage(slot: Slot, running: Running, raw: unknown): void {
    // The application's own messages share the channel: not ours.
    if (!isClusterMessage(raw) || slot.running !== running) return;
    const parsed = ToPrimarySchema.safeParse(raw);
    if (!parsed.success) {
      this.emit({ type: 'worker-error', slot: slot.index, node: running.node, error: new WorkerFailedError(running.node, `sent a malformed message: ${parsed.error.issues.map((i) => i.message).join('; ')}`, {}, { cause: parsed.error }) });
      return;
    }
    const m = parsed.data;
    switch (m.t) {
      case 'attached':
        running.attached = true;
        this.tellAlive();
        break;
      case 'listening':
        running.listening = true;
        running.addresses = m.addresses;
        running.startTimer?.unsubscribe();
        running.startTimer = undefined;
        this.emit({ type: 'worker-listening', slot: slot.index, node: running.node, pid: running.pid, addresses: m.addresses });
        if (this.slots.every((s) => s.running?.listening === true)) {
          this.settleReady?.resolve();
          this.settleReady = undefined;
        }
        break;
      case 'failed':
        running.failure = m;
        this.emit({ type: 'worker-error', slot: slot.index, node: running.node, error: this.failureError(running, m, null, null) });
        break;
      case 'publish':
        for (const other of this.slots) {
          const target = other.running;
          if (target === undefined || target === running || !target.attached) continue;
          if (!this.sendTo(target, { t: 'publish', packet: m.packet })) running.undelivered.add();
        }
        break;
      case 'forward': {
        const target = this.byNode(nodeOfPeer(m.peerId));
        if (target === undefined || !this.sendTo(target, { t: 'forward', peerId: m.peerId, message: m.message })) running.undelivered.add();
        break;
      }
      case 'forward-confirmed': {
        const target = this.byNode(nodeOfPeer(m.peerId));
        if (target === undefined) {
          this.sendTo(running, { t: 'confirmed', id: m.id, peerId: m.peerId, failure: 'node-down' });
          break;
        }
        const key = `${running.node}:${m.id}`;
        // Bounded like the outbox: a worker that never answers holds at most maxInFlight of them.
        if (target.relayed.size >= this.options.maxInFlight || !this.sendTo(target, { t: 'deliver-confirmed', id: m.id, from: running.node, peerId: m.peerId, message: m.message })) {
          this.sendTo(running, { t: 'confirmed', id: m.id, peerId: m.peerId, failure: 'undelivered' });
          break;
        }
        target.relayed.set(key, { from: running.node, id: m.id, peerId: m.peerId });
        break;
      }
      case 'confirmed': {
        const entry = running.relayed.get(`${m.to}:${m.id}`);
        if (entry === undefined) break;
        running.relayed.delete(`${m.to}:${m.id}`);
        const origin = this.byNode(m.to);
        if (origin !== undefined) this.sendTo(origin, { t: 'confirmed', id: m.id, peerId: entry.peerId, result: m.result });
        break;
      }
      case 'snapshot':
        // Only an answer to a request sent to this worker (another worker's answer is not its to give).
        if (!running.snapshots.delete(m.id)) break;
        // Shape-checked by SnapshotSchema; the rest is what the worker's own server produced.
        this.snapshotRequests.answer(m.id, m.snapshot as unknown as ServerSnapshot);
        break;
      case 'gather':
        void this.gather(running.node, m.timeoutMs).then((workers) =>
          this.sendTo(running, { t: 'snapshots', id: m.id, nodes: workers.map((w) => ({ node: w.node, ...(w.snapshot === undefined ? {} : { snapshot: w.snapshot as unknown as { listeners: unknown[]; connections: unknown[] } }), ...(w.error === undefined ? {} : { error: w.error }) })) }),
        );
        break;
    }
  }

  private onExit(slot: Slot, running: Running, code: number | null, signal: string | null): void {
    running.detach();
    running.startTimer?.unsubscribe();
    running.killTimer?.unsubscribe();
    running.drops.close();
    running.undelivered.close();
    slot.running = undefined;
    this.numbers.release(running.node);
    for (const id of running.snapshots) this.snapshotRequests.answer(id, 'exited');
    const expected = this.closing !== undefined;
    if (running.attached) this.tellAlive();
    // Confirmed sends waiting on it fail fast: its node is down.
    for (const r of running.relayed.values()) {
      const origin = this.byNode(r.from);
      if (origin !== undefined) this.sendTo(origin, { t: 'confirmed', id: r.id, peerId: r.peerId, failure: 'node-down' });
    }
    this.emit({ type: 'worker-exit', slot: slot.index, node: running.node, pid: running.pid, code, signal, expected });
    if (expected) return;
    if (this.settleReady !== undefined) {
      // Before every worker listened: a broken definition would crash-loop; fail the start instead.
      this.failReady(this.failureError(running, running.failure, code, signal));
      void this.close();
      return;
    }
    if (slot.backoff === undefined) return;
    const delayMs = slot.backoff.crashed(Date.now() - running.startedAt);
    this.emit({ type: 'restart-scheduled', slot: slot.index, delayMs, failures: slot.backoff.failures });
    slot.restartTimer = this.options.scheduler.schedule(() => this.fork(slot), delayMs);
  }

  private failureError(running: Running, failure: Failure | undefined, code: number | null, signal: string | null): RxmsgError {
    if (failure?.code === 'CONFIG_INVALID' && failure.field !== undefined) {
      return new ConfigError(failure.field, failure.problems ?? [failure.message]);
    }
    const message = failure !== undefined ? `${failure.name}: ${failure.message}` : `exited before it listened (code ${code}, signal ${signal})`;
    return new WorkerFailedError(running.node, message, { ...(failure?.code === undefined ? {} : { remoteCode: failure.code }), exitCode: code, signal });
  }

  private failReady(error: unknown): void {
    const settle = this.settleReady;
    this.settleReady = undefined;
    settle?.reject(error);
  }

  /** Snapshots of every listening worker but `exceptNode`, each within `timeoutMs`. */
  private gather(exceptNode: number | undefined, requestedMs: number): Promise<WorkerSnapshot[]> {
    // A forged or huge `timeoutMs` must not overflow the timer (it would fire at once).
    const timeoutMs = timerMs(requestedMs);
    const asked = this.slots.flatMap((slot) => {
      const running = slot.running;
      if (running === undefined || !running.listening || running.node === exceptNode) return [];
      let asked = -1;
      const answer = this.snapshotRequests.request(
        timeoutMs,
        (id) => {
          asked = id;
          running.snapshots.add(id);
          if (!this.sendTo(running, { t: 'snapshot', id })) this.snapshotRequests.answer(id, 'ipc-full');
        },
        () => 'timeout' as const,
      );
      return [
        answer.then(
          (result): WorkerSnapshot => (typeof result === 'string' ? { slot: slot.index, node: running.node, pid: running.pid, error: result } : { slot: slot.index, node: running.node, pid: running.pid, snapshot: result }),
          (): WorkerSnapshot => ({ slot: slot.index, node: running.node, pid: running.pid, error: 'exited' }),
        )
        .finally(() => running.snapshots.delete(asked)),
      ];
    });
    return Promise.all(asked);
  }

  private tellAlive(): void {
    for (const s of this.slots) if (s.running?.attached === true) this.announce(s.running);
  }

  /**
   * Tell `running` the nodes alive now. Not through the bound (a dropped one would leave the worker
   * with a stale alive set until the next change), but at most one in the channel per worker: a
   * change while one is being written sends the then-current set once it left.
   */
  private announce(running: Running): void {
    if (running.announcing) {
      running.announceAgain = true;
      return;
    }
    const alive = this.slots.flatMap((s) => (s.running?.attached === true ? [s.running.node] : []));
    running.announcing = true;
    running.announceAgain = false;
    const written = (): void => {
      running.announcing = false;
      if (running.announceAgain && this.slots.some((s) => s.running === running)) this.announce(running);
    };
    try {
      running.worker.send({ [IPC_MARKER]: 1, t: 'nodes', alive } satisfies ToWorker, undefined, undefined, written);
    } catch {
      // The channel is gone: the worker is exiting.
      running.announcing = false;
    }
  }

  private byNode(node: number): Running | undefined {
    for (const s of this.slots) if (s.running?.node === node && s.running.attached) return s.running;
    return undefined;
  }

  private sendTo(running: Running, message: Unmarked<ToWorker>): boolean {
    return running.outbox.send({ [IPC_MARKER]: 1, ...message });
  }

  private emit(event: ClusterEvent): void {
    this.events.next(event);
  }
}

