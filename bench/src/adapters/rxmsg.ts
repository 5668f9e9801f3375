import { join } from 'node:path';
import { Observable, ignoreElements, map, tap, type Subscription } from 'rxjs';
import { createClient, createServer, type ClientEvent, type ServerEvent } from '@rxmsg/node';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { BinaryBenchProtocol, TextBenchProtocol, type BenchProtocol } from './bench-protocols';

type Ping = { readonly kind: 'Ping'; readonly n: number };
const ping = (n: number): Ping => ({ kind: 'Ping', n });

/** Disconnect reasons of a run that went as planned. */
const ORDERLY = new Set<string>(['completed', 'remote-closed', 'shutdown', 'local-close']);

/** Text for an event that should not happen in a benchmark run, or `undefined` for a normal one. */
function abnormal(side: string, e: ServerEvent | ClientEvent): string | undefined {
  switch (e.type) {
    case 'decode-error':
    case 'processor-error':
    case 'send-queue-full':
    case 'connect-failed':
      return `${side}: ${e.type}: ${e.error.code} ${e.error.message}`;
    case 'message-dropped':
      // Reported for every drop: the first says when it started, the count says how many.
      return e.dropped === 1 || e.dropped % 10_000 === 0 ? `${side}: message-dropped (${e.direction}, ${e.cause}), ${e.dropped} so far` : undefined;
    case 'connection-refused':
      return `${side}: connection-refused (${e.reason})`;
    case 'disconnected':
      if (ORDERLY.has(e.reason) && e.error === undefined) return undefined;
      return `${side}: disconnected (${e.reason})${e.error === undefined ? '' : `: ${e.error.code} ${e.error.message}`}; stats ${JSON.stringify(e.stats)}`;
    case 'closed':
      return e.error === undefined ? undefined : `${side}: closed with ${e.error.code} ${e.error.message}`;
    default:
      return undefined;
  }
}

interface RxmsgSystem {
  readonly name: string;
  readonly protocol: BenchProtocol;
  readonly listen: 'tcp' | 'unix';
  readonly description: string;
}

/**
 * rxmsg through its public API only: `createServer`/`createClient` from `@rxmsg/node` with
 * processors, default config. The one-way sender respects rxmsg's backpressure through the
 * public `events$`: it stops emitting on a `flow` event `{ cause: 'send-queue', paused: true }`
 * and goes on at `paused: false`, because a processor has no other way to see it.
 */
function rxmsgSystem(spec: RxmsgSystem): SystemAdapter {
  return {
    name: spec.name,
    family: 'rxmsg',
    description: spec.description,
    settings:
      'rxmsg defaults (sendQueueLimit 16,384, sendQueueBytes 8 MiB, onSendQueueFull backpressure, noDelay). The one-way sender ' +
      'emits until client.events$ reports `flow` {cause: send-queue, paused: true} and resumes at paused: false, the only ' +
      'backpressure signal a processor can see (a plain `range(0, N)` would overrun the queue and lose messages)',

    async serve(run: ServerRun): Promise<RunningServer> {
      const listen = spec.listen === 'tcp' ? 'tcp://127.0.0.1:0' : `unix:${join(run.socketDir, 'rxmsg.sock')}`;
      const server = await createServer({
        listen,
        protocol: spec.protocol,
        processor:
          run.kind === 'sink'
            ? (incoming$) =>
                incoming$.pipe(
                  tap((m) => run.receiver.onPing(m.n)),
                  ignoreElements(),
                )
            : (incoming$) => incoming$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)),
      });
      const events = server.events$.subscribe((e) => {
        const text = abnormal('server', e);
        if (text !== undefined) run.problem(text);
      });
      return {
        address: server.addresses()[0]!,
        close: async () => {
          await server.close();
          events.unsubscribe();
        },
      };
    },

    async runClient(run: ClientRun): Promise<void> {
      let sendPaused = false;
      let resume: (() => void) | undefined;
      const client = createClient({
        connect: run.address,
        protocol: spec.protocol,
        processor:
          run.kind === 'one-way'
            ? () =>
                new Observable<Ping>((out) => {
                  let n = 0;
                  let scheduled = false;
                  const pump = (): void => {
                    scheduled = false;
                    while (n < run.total && !sendPaused && !out.closed) out.next(ping(n++));
                    if (n === run.total) out.complete();
                  };
                  // Resumed from a microtask: the flow event comes from inside the queue's flush.
                  resume = () => {
                    if (scheduled) return;
                    scheduled = true;
                    queueMicrotask(pump);
                  };
                  pump();
                  return () => {
                    resume = undefined;
                  };
                })
            : (incoming$) =>
                new Observable<Ping>((out) => {
                  const d = run.driver;
                  const sendAllowed = (): void => {
                    for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) out.next(ping(n));
                    if (d.finished) out.complete();
                  };
                  const replies = incoming$.subscribe({
                    next: (m) => {
                      d.onReply(m.n);
                      sendAllowed();
                    },
                    error: (e: unknown) => out.error(e),
                    complete: () => out.complete(),
                  });
                  sendAllowed();
                  return () => replies.unsubscribe();
                }),
      });
      const events: Subscription = client.events$.subscribe((e) => {
        if (e.type === 'flow' && e.cause === 'send-queue') {
          sendPaused = e.paused;
          if (!e.paused) resume?.();
        }
        const text = abnormal('client', e);
        if (text !== undefined) run.problem(text);
      });
      await client.closed;
      events.unsubscribe();
      if (run.kind === 'requests') run.driver.connectionEnded('connection closed');
    },
  };
}

/** rxmsg, TCP on 127.0.0.1, text codec (JSON lines). */
export const rxmsgTcpText = rxmsgSystem({
  name: 'rxmsg-tcp-text',
  protocol: TextBenchProtocol,
  listen: 'tcp',
  description:
    'rxmsg createServer/createClient with processors over TCP (127.0.0.1), text codec: one JSON object per line, ' +
    'zod-validated on receipt; writes coalesced per microtask by the outbound queue',
});

/** rxmsg, TCP on 127.0.0.1, binary codec (length-prefixed MessagePack). */
export const rxmsgTcpBinary = rxmsgSystem({
  name: 'rxmsg-tcp-binary',
  protocol: BinaryBenchProtocol,
  listen: 'tcp',
  description:
    'rxmsg createServer/createClient with processors over TCP (127.0.0.1), binary codec: 4-byte length + MessagePack (msgpackr), ' +
    'zod-validated on receipt; writes coalesced per microtask',
});

/** rxmsg, Unix domain socket in os.tmpdir(), text codec. */
export const rxmsgUnixText = rxmsgSystem({
  name: 'rxmsg-unix-text',
  protocol: TextBenchProtocol,
  listen: 'unix',
  description:
    'rxmsg createServer/createClient with processors over a Unix domain socket in os.tmpdir(), text codec (JSON lines), ' +
    'zod-validated on receipt; writes coalesced per microtask',
});
