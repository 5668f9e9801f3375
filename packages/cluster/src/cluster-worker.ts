import { ConfigError, RxmsgError } from '@rxmsg/core';
import type { ServerSnapshot } from '@rxmsg/runtime';
import { ClusterRoomAdapter } from './cluster-room-adapter';
import { CLUSTER_ENV } from './cluster-env';
import { IPC_MARKER, ToWorkerSchema, isClusterMessage, type ToPrimary, type Unmarked } from './ipc-messages';
import { DEFAULT_MAX_IPC_IN_FLIGHT, IpcOutbox } from './ipc-outbox';

/** What a worker's build function receives. */
export interface ClusterWorkerContext {
  /**
   * The IPC rooms adapter: pass it to `createRooms({ adapter })` for rooms across workers. A worker
   * may give its rooms another adapter instead (`redisRoomAdapter`, for several machines each
   * running a cluster); this one is then unused. See docs/scaling.md, "A cluster on each machine".
   */
  readonly adapter: ClusterRoomAdapter;
  /**
   * This process's node number in the cluster (0 outside a cluster): the node part of its peer ids
   * when its rooms use `adapter`; another adapter (Redis) numbers the nodes itself.
   */
  readonly node: number;
  /** This worker's slot, 0 … workers − 1, kept across restarts (0 outside a cluster). */
  readonly slot: number;
  /** Whether this process is a worker of `runCluster` (false: the module was run on its own). */
  readonly inCluster: boolean;
}

/** What a worker's build function returns: the server it created (a `createServer` handle). */
export interface ClusterWorkerServer {
  addresses(): string[];
  snapshot(): ServerSnapshot;
  close(): Promise<void>;
}

/**
 * Run the server of a cluster worker: call it at the top of the module `runCluster` starts in
 * each worker. `build` creates the server (with the given adapter in its rooms, for rooms across
 * workers); once it listens, the primary is told. The primary then drives it: snapshots,
 * relayed broadcasts and sends, and shutdown (`server.close()`, which drains, then the process
 * exits with code 0). The worker also drains and exits when the primary goes away or on
 * SIGTERM/SIGINT.
 *
 * A build that throws (or rejects) is reported to the primary and the process exits with code 1;
 * an `soe://` listener is refused with a {@link ConfigError}: UDP datagrams of one client would
 * reach any worker (see docs/scaling.md). Outside a cluster (the module run with plain `node`),
 * the server runs on its own (node 0, the adapter local only) and the promise rejects as `build` does.
 *
 * @returns the server, once it listens.
 * @example
 * ```ts
 * // worker.ts
 * import { clusterWorker } from '@rxmsg/cluster';
 * import { createRooms, createServer } from '@rxmsg/node';
 * clusterWorker(async ({ adapter }) => {
 *   const rooms = createRooms({ adapter });
 *   return createServer({ listen: 'tcp://0.0.0.0:4000', protocol, processor, rooms });
 * });
 * ```
 */
export function clusterWorker<S extends ClusterWorkerServer>(build: (context: ClusterWorkerContext) => S | Promise<S>): Promise<S> {
  const node = Number(process.env[CLUSTER_ENV.node]);
  if (process.send === undefined || !Number.isSafeInteger(node) || node < 1) {
    return Promise.resolve().then(() => build({ adapter: new ClusterRoomAdapter({ node: 0 }), node: 0, slot: 0, inCluster: false }));
  }
  return new WorkerRun<S>(node, Number(process.env[CLUSTER_ENV.slot] ?? 0)).start(build);
}

/** One worker process's life: build, serve, answer the primary, drain. */
class WorkerRun<S extends ClusterWorkerServer> {
  private readonly outbox: IpcOutbox;
  private readonly adapter: ClusterRoomAdapter;
  private server: S | undefined;
  private stopping = false;

  constructor(
    private readonly node: number,
    private readonly slot: number,
  ) {
    const maxInFlight = Number(process.env[CLUSTER_ENV.maxInFlight] ?? DEFAULT_MAX_IPC_IN_FLIGHT);
    this.outbox = new IpcOutbox(
      // process.send exists: checked by clusterWorker.
      { send: (message, callback) => process.send!(message, undefined, undefined, callback) },
      { maxInFlight, onDrop: () => this.adapter.undelivered() },
    );
    this.adapter = new ClusterRoomAdapter({ node, send: (m) => this.send(m) });
  }

  async start(build: (context: ClusterWorkerContext) => S | Promise<S>): Promise<S> {
    process.on('message', this.onMessage);
    process.once('disconnect', this.stop);
    process.once('SIGTERM', this.stop);
    process.once('SIGINT', this.stop);
    try {
      const server = await build({ adapter: this.adapter, node: this.node, slot: this.slot, inCluster: true });
      this.server = server;
      const udp = server.addresses().filter((a) => a.startsWith('soe:'));
      if (udp.length > 0) {
        await server.close().catch(() => undefined);
        throw new ConfigError('listen', [`${udp.join(', ')}: soe:// (UDP) cannot be shared by cluster workers: the datagrams of one client would reach any worker; run SOE servers as separate processes on their own ports`]);
      }
      this.send({ t: 'listening', addresses: server.addresses() });
      return server;
    } catch (error) {
      const details = error instanceof ConfigError ? { field: error.field, problems: [...error.problems] } : {};
      const code = error instanceof RxmsgError ? { code: error.code } : {};
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      // Sent directly (not through the bound), then exit once it left.
      process.send!({ [IPC_MARKER]: 1, t: 'failed', name, message, ...code, ...details }, undefined, undefined, () => process.exit(1));
      return new Promise<S>(() => undefined);
    }
  }

  private send(message: Unmarked<ToPrimary>): boolean {
    return this.outbox.send({ [IPC_MARKER]: 1, ...message });
  }

  private readonly onMessage = (raw: unknown): void => {
    // The application's own messages share the channel: not ours, not touched.
    if (!isClusterMessage(raw)) return;
    const parsed = ToWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      this.adapter.report('ipc', parsed.error);
      return;
    }
    const message = parsed.data;
    if (message.t === 'snapshot') {
      if (this.server !== undefined) this.answerSnapshot(this.server, message.id);
    } else if (message.t === 'shutdown') this.stop();
    else this.adapter.receive(message);
  };

  /** The server's snapshot for the primary; one that throws (a server object of the application's own) is reported and left unanswered: the primary lists this worker as timed out. */
  private answerSnapshot(server: ClusterWorkerServer, id: number): void {
    let snapshot: ReturnType<typeof plainSnapshot>;
    try {
      snapshot = plainSnapshot(server.snapshot());
    } catch (error) {
      this.adapter.report('snapshot', error);
      return;
    }
    this.send({ t: 'snapshot', id, snapshot });
  }

  private readonly stop = (): void => {
    if (this.stopping) return;
    this.stopping = true;
    const server = this.server;
    void (server === undefined ? Promise.resolve() : server.close())
      .catch(() => undefined)
      .then(() => {
        process.off('message', this.onMessage);
        process.exit(0);
      });
  };
}

/** A snapshot without listener contexts (application objects that need not cross processes). */
function plainSnapshot(snapshot: ServerSnapshot): { [key: string]: unknown; listeners: unknown[]; connections: unknown[] } {
  return {
    ...snapshot,
    listeners: snapshot.listeners.map((l) => ({ ...l, context: undefined })),
    connections: snapshot.connections.map((c) => ({ ...c, listenerContext: undefined })),
  };
}
