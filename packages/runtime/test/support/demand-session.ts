import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, binaryCodec, defineProtocol, type Codec, type Processor, type ServerConfig } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';

/** Requests and rows: the protocol of the demand tests. */
export const Rows = defineProtocol({
  name: 'rows',
  tag: 'kind',
  client: { Get: z.object({ n: z.number() }) },
  server: { Row: z.object({ i: z.number() }) },
});
/** The same protocol on the binary codec. */
export const BinaryRows = defineProtocol({
  name: 'rows-binary',
  tag: 'kind',
  codec: binaryCodec,
  client: { Get: z.object({ n: z.number() }) },
  server: { Row: z.object({ i: z.number() }) },
});

export type Get = { readonly kind: 'Get'; readonly n: number };
export type Row = { readonly kind: 'Row'; readonly i: number };
export const row = (i: number): Row => ({ kind: 'Row', i });
export const getLine = (n: number): string => `{"kind":"Get","n":${n}}\n`;
export const rowLine = (i: number): string => `{"kind":"Row","i":${i}}\n`;

/** Options of {@link demandSession}. */
export interface DemandSessionOptions {
  readonly config?: Partial<ServerConfig>;
  /** Stages run one after the other, in this order; by default one stage of `processor`. */
  readonly stack?: readonly Processor<Get, Row>[];
  /** Use the binary codec. */
  readonly binary?: boolean;
  /** Whether the socket accepts writes from the start (default `true`). */
  readonly accepting?: boolean;
}

/**
 * A started server session on a {@link FakeConnection} whose socket accepts writes while
 * `socket.accepting` (a full socket otherwise, until the test calls `drain()`). Timers run on
 * virtual time that the test never advances, so no deadline or heartbeat fires; the queue flushes
 * at the end of each microtask turn, as in production.
 */
export function demandSession(processor: Processor<Get, Row>, options: DemandSessionOptions = {}) {
  const scheduler = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  const socket = { accepting: options.accepting !== false };
  const connection = new FakeConnection(() => socket.accepting, () => scheduler.now());
  const events: ConnectionEvent[] = [];
  const processors = options.stack ?? [processor];
  const protocol = options.binary === true ? BinaryRows : Rows;
  const names = processors.map((_, k) => `stage${k}`);
  const session = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: { ...SERVER_CONFIG_DEFAULTS, ...options.config },
    state: {},
    stages: new Map(processors.map((p, k) => [names[k]!, serverStage(protocol, p)])),
    router: (_s, _p, previous) => (previous === null ? names[0]! : (names[names.indexOf(previous) + 1] ?? null)),
    emit: (e) => events.push(e),
    onClosed: () => {},
    scheduler,
  });
  session.start();
  /** The socket drained (accepting again, or `accepting` left as it is with `stillFull`). */
  const drain = (stillFull = false): void => {
    socket.accepting = !stillFull;
    session.onDrain();
  };
  return { connection, events, session, socket, drain, codec: protocol.codec as Codec, scheduler };
}

/** Every `Row` written, in order, from what a text-codec connection wrote. */
export function rowsWritten(connection: FakeConnection): number[] {
  const out: number[] = [];
  for (const line of connection.text().split('\n')) {
    if (line.startsWith('{')) out.push((JSON.parse(line) as Row).i);
  }
  return out;
}

/** One turn of the event loop: every pending promise callback runs first. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Let every pending promise callback run, and the end-of-turn flush of queues that an async
 * producer corked (which waits for the next turn of the event loop): a few turns, no clock.
 */
export async function settle(turns = 3): Promise<void> {
  for (let k = 0; k < turns; k++) await turn();
}

/** Run turns of the event loop until `check()` holds; fail after `maxTurns` (no clock involved). */
export async function until(check: () => boolean, what: string, maxTurns = 10_000): Promise<void> {
  for (let k = 0; !check(); k++) {
    if (k === maxTurns) throw new Error(`${what}: not after ${maxTurns} turns of the event loop`);
    await turn();
  }
}
