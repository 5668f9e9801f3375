import type { OneWayReceiver } from './one-way-receiver';
import type { WorkloadName, WorkloadSettings } from './workloads';

/** Who a system is measured against: rxmsg itself, a raw baseline, or a peer library. */
export type SystemFamily = 'rxmsg' | 'baseline' | 'peer';

/**
 * What an adapter's request loop talks to: which request to send next, what to do with each
 * reply. {@link RequestDriver} (ping-pong, pipelined) and each connection of a fan-in run
 * implement it, so one adapter loop serves every request workload.
 */
export interface RequestSource {
  /** The `n` of the next request to send now, or `undefined` when none may be sent now. */
  nextRequest(): number | undefined;
  /** A reply to request `n` arrived. */
  onReply(n: number): void;
  /** `true` once nothing more will be sent and every request was answered (or the run failed): close the connection. */
  readonly finished: boolean;
  /** The connection ended; a source still expecting replies reports a failure. */
  connectionEnded(why: string): void;
  /**
   * The adapter's "send what {@link nextRequest} allows now" (and flush it), for sources that
   * open up without a reply arriving: a fan-in connection waits idle for the start signal.
   */
  setWake(wake: () => void): void;
}

/** What the server of one run does with what it receives. */
export type ServerRun =
  | {
      /** Request workloads: answer each `Ping n` with `Pong n`. */
      readonly kind: 'echo';
      /** A directory for a Unix socket; the parent removes it after the run. */
      readonly socketDir: string;
      /** Report something abnormal that does not stop the run (an error event, a disconnect). */
      readonly problem: (text: string) => void;
    }
  | {
      /** One-way: hand each `Ping n` to the receiver, answer nothing. */
      readonly kind: 'sink';
      readonly socketDir: string;
      readonly receiver: OneWayReceiver;
      readonly problem: (text: string) => void;
    };

/** What the client of one run does. */
export type ClientRun =
  | {
      /** Request workloads: send what the source says, feed it every reply. */
      readonly kind: 'requests';
      readonly address: string;
      readonly driver: RequestSource;
      readonly problem: (text: string) => void;
    }
  | {
      /** One-way: send `Ping 0 … total-1` as fast as the system lets the sender, then close. */
      readonly kind: 'one-way';
      readonly address: string;
      readonly total: number;
      readonly problem: (text: string) => void;
    };

/** A server started for one run. */
export interface RunningServer {
  /** Where the client connects (passed to {@link SystemAdapter.runClient} as is). */
  readonly address: string;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/**
 * A protocol handover: each connection completes a text handshake (`Hello` → `Welcome`), then
 * switches to the binary bench protocol (`Ping 0` → `Pong 0`) and closes. rxmsg's composite stacks.
 */
export interface HandoverAdapter {
  /** Start a server whose connections run the handshake, then the binary protocol, then close. */
  serve(run: { readonly socketDir: string; readonly problem: (text: string) => void }): Promise<RunningServer>;
  /**
   * One connection through the whole stack: resolves once the binary reply arrived and the
   * connection closed; rejects when it failed on the way.
   */
  connectOnce(run: { readonly address: string; readonly problem: (text: string) => void }): Promise<void>;
}

/**
 * One system under test. Every system speaks the same messages (`{"kind":"Ping","n":i}` from
 * client to server, `{"kind":"Pong","n":i}` back); the adapter only does the plumbing of its
 * library, while the workload logic lives in {@link RequestSource}s and {@link OneWayReceiver}.
 * Adding a system (ws, socket.io, rsocket-js…) is one adapter file and one line in `systems.ts`.
 */
export interface SystemAdapter {
  /** Unique, kebab-case; used by `--system` and in the report. */
  readonly name: string;
  readonly family: SystemFamily;
  /** What it does on the wire and in the code, for the report. */
  readonly description: string;
  /** Settings that differ from the library's defaults, and why (empty when none). */
  readonly settings: string;
  /**
   * Load the library's code now (systems that load it on first use): the idle client reads its
   * memory baseline after this, so that its per-connection figure leaves the code out.
   */
  readonly preload?: () => void;
  /**
   * Why this system runs with neither process pinned, when it does (a cluster's workers need
   * both CPUs); absent: pinned like every system.
   */
  readonly unpinned?: string;
  /**
   * Why the server process's memory is not the server's, when it is not (a cluster primary:
   * the connections live in its workers); the server RSS per connection is then not reported.
   */
  readonly serverMemoryElsewhere?: string;
  /** Start a server for one run; resolves once it listens. */
  serve(run: ServerRun): Promise<RunningServer>;
  /** Run the client of one run; resolves once its connection is closed, whatever the outcome. */
  runClient(run: ClientRun): Promise<void>;
  /** The handover workload; absent when the system has no protocol handover (reported as n/a). */
  readonly handover?: HandoverAdapter;
  /** Workloads this system does not run, each with the reason the report gives (n/a). */
  readonly notApplicable?: Readonly<Partial<Record<WorkloadName, string>>>;
  /**
   * Full-mode settings of workloads this system runs with other counts or limits than the
   * workload's (e.g. a lossy link, far too slow for the workload's counts); {@link settings} says
   * why. Absent for a workload: the workload's own. Quick mode always uses the workload's.
   */
  readonly fullSettings?: Readonly<Partial<Record<WorkloadName, WorkloadSettings>>>;
}
