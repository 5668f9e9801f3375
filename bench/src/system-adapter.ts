import type { OneWayReceiver } from './one-way-receiver';
import type { RequestDriver } from './request-driver';

/** Who a system is measured against: rxmsg itself, a raw baseline, or a peer library. */
export type SystemFamily = 'rxmsg' | 'baseline' | 'peer';

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
      /** Request workloads: send what the driver says, feed it every reply. */
      readonly kind: 'requests';
      readonly address: string;
      readonly driver: RequestDriver;
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
 * One system under test. Every system speaks the same messages (`{"kind":"Ping","n":i}` from
 * client to server, `{"kind":"Pong","n":i}` back); the adapter only does the plumbing of its
 * library, while the workload logic lives in {@link RequestDriver} and {@link OneWayReceiver}.
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
  /** Start a server for one run; resolves once it listens. */
  serve(run: ServerRun): Promise<RunningServer>;
  /** Run the client of one run; resolves once its connection is closed, whatever the outcome. */
  runClient(run: ClientRun): Promise<void>;
}
