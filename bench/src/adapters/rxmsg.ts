import type { Subscription } from 'rxjs';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import type { WorkloadName } from '../workloads';
import { loadRxmsg, type BenchProtocol } from './bench-protocols';
import { rxmsgHandover } from './rxmsg-handover';
import { behindFaultProxy } from './fault-proxied';
import { abnormal, listenAddress, watchedServer, type RxmsgListen } from './rxmsg-common';

type Ping = { readonly kind: 'Ping'; readonly n: number };
const ping = (n: number): Ping => ({ kind: 'Ping', n });

/** What distinguishes one rxmsg system from another. */
export interface RxmsgSystem {
  readonly name: string;
  /** The bench protocol's codec. */
  readonly codec: 'text' | 'binary';
  readonly listen: RxmsgListen;
  readonly description: string;
  /** Runs the handover workload (text handshake, then binary) over its transport; systems that would repeat another's stack leave it out. */
  readonly handover: boolean;
  readonly notApplicable?: Readonly<Partial<Record<WorkloadName, string>>>;
  /**
   * Datagram transports only: put a fault proxy (`udpFaultProxy` of `@rxmsg/test-utils`) between
   * client and server that drops each datagram with this probability, in each direction.
   */
  readonly drop?: number;
  /** Full-mode settings of its own (see {@link SystemAdapter.fullSettings}), and why, appended to the system's settings. */
  readonly fullSettings?: { readonly settings: NonNullable<SystemAdapter['fullSettings']>; readonly why: string };
}

/**
 * rxmsg through its public API only: `createServer`/`createClient` from `@rxmsg/node` with
 * processors, default config. The one-way sender is written the documented way for a large
 * result: its processor returns a generator, which the engine pulls only while the connection's
 * outbound queue has room (`Peer.writable`), so it goes at the reader's pace and never meets the
 * send-queue policy.
 */
export function rxmsgSystem(spec: RxmsgSystem): SystemAdapter {
  return {
    name: spec.name,
    family: 'rxmsg',
    description: spec.description,
    ...(spec.handover ? { handover: rxmsgHandover(spec.listen) } : {}),
    ...(spec.notApplicable === undefined ? {} : { notApplicable: spec.notApplicable }),
    ...(spec.fullSettings === undefined ? {} : { fullSettings: spec.fullSettings.settings }),
    preload: () => void loadRxmsg(),
    settings:
      'rxmsg defaults (sendQueueLimit 16,384, sendQueueBytes 8 MiB, onSendQueueFull backpressure, noDelay). The one-way sender ' +
      'is the documented pulled output: its processor returns a generator (`function* () { for (n = 0; n < N; n++) yield ping(n) }`), ' +
      'which the engine pulls only while the outbound queue has room (Peer.writable), resuming when it has drained to half its limits' +
      (spec.fullSettings === undefined ? '' : `. ${spec.fullSettings.why}`),

    async serve(run: ServerRun): Promise<RunningServer> {
      const { node, rxjs, protocols } = loadRxmsg();
      const { ignoreElements, map, tap } = rxjs;
      const protocol: BenchProtocol = protocols[spec.codec];
      const listen = listenAddress(spec.listen, run.socketDir);
      const server = await node.createServer({
        listen,
        protocol,
        processor:
          run.kind === 'sink'
            ? (incoming$) =>
                incoming$.pipe(
                  tap((m) => run.receiver.onPing(m.n)),
                  ignoreElements(),
                )
            : (incoming$) => incoming$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)),
      });
      const running = watchedServer(server, run.problem);
      return spec.drop === undefined ? running : behindFaultProxy(running, spec.drop);
    },

    async runClient(run: ClientRun): Promise<void> {
      const { node, rxjs, protocols } = loadRxmsg();
      const { Observable } = rxjs;
      const protocol: BenchProtocol = protocols[spec.codec];
      const client = node.createClient({
        connect: run.address,
        protocol,
        processor:
          run.kind === 'one-way'
            ? // Pulled by the engine only while the outbound queue has room: the sender goes at the reader's pace.
              function* () {
                for (let n = 0; n < run.total; n++) yield ping(n);
              }
            : (incoming$) =>
                new Observable<Ping>((out) => {
                  const d = run.driver;
                  const sendAllowed = (): void => {
                    for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) out.next(ping(n));
                    if (d.finished) out.complete();
                  };
                  d.setWake(sendAllowed);
                  const replies = incoming$.subscribe({
                    next: (m) => {
                      d.onReply(m.n);
                      sendAllowed();
                    },
                    error: (e: unknown) => out.error(e),
                    complete: () => out.complete(),
                  });
                  sendAllowed();
                  return () => {
                    d.setWake(() => undefined);
                    replies.unsubscribe();
                  };
                }),
      });
      const events: Subscription = client.events$.subscribe((e) => {
        const text = abnormal('client', e);
        if (text !== undefined) run.problem(text);
      });
      await client.closed;
      events.unsubscribe();
      if (run.kind === 'requests') run.driver.connectionEnded('connection closed');
    },
  };
}

/** Why a binary system does not run the handover: it always goes text → binary, so it would repeat `other`'s run. */
function sameStack(other: string): string {
  return `same stack as \`${other}\`: the handover workload always goes from a text handshake to the binary protocol over the system's transport`;
}

/** rxmsg, TCP on 127.0.0.1, text codec (JSON lines). */
export const rxmsgTcpText = rxmsgSystem({
  name: 'rxmsg-tcp-text',
  codec: 'text',
  listen: 'tcp',
  handover: true,
  description:
    'rxmsg createServer/createClient with processors over TCP (127.0.0.1), text codec: one JSON object per line, ' +
    'zod-validated on receipt; writes coalesced per microtask by the outbound queue',
});

/** rxmsg, TCP on 127.0.0.1, binary codec (length-prefixed MessagePack). */
export const rxmsgTcpBinary = rxmsgSystem({
  name: 'rxmsg-tcp-binary',
  codec: 'binary',
  listen: 'tcp',
  handover: false,
  notApplicable: { handover: sameStack('rxmsg-tcp-text') },
  description:
    'rxmsg createServer/createClient with processors over TCP (127.0.0.1), binary codec: 4-byte length + MessagePack (msgpackr), ' +
    'zod-validated on receipt; writes coalesced per microtask',
});

/** rxmsg, Unix domain socket in os.tmpdir(), text codec. */
export const rxmsgUnixText = rxmsgSystem({
  name: 'rxmsg-unix-text',
  codec: 'text',
  listen: 'unix',
  handover: true,
  description:
    'rxmsg createServer/createClient with processors over a Unix domain socket in os.tmpdir(), text codec (JSON lines), ' +
    'zod-validated on receipt; writes coalesced per microtask',
});

/** rxmsg, WebSocket on 127.0.0.1, text codec: one JSON message per text frame. */
export const rxmsgWsText = rxmsgSystem({
  name: 'rxmsg-ws-text',
  codec: 'text',
  listen: 'ws',
  handover: true,
  description:
    'rxmsg createServer/createClient with processors over WebSocket (ws://127.0.0.1:port/bench, the @rxmsg/ws transport ' +
    'on the ws package, permessage-deflate off), text codec: one JSON object per text message, zod-validated on receipt',
});

/** rxmsg, WebSocket on 127.0.0.1, binary codec: one MessagePack message per binary frame. */
export const rxmsgWsBinary = rxmsgSystem({
  name: 'rxmsg-ws-binary',
  codec: 'binary',
  listen: 'ws',
  handover: false,
  notApplicable: { handover: sameStack('rxmsg-ws-text') },
  description:
    'rxmsg createServer/createClient with processors over WebSocket (ws://127.0.0.1:port/bench, the @rxmsg/ws transport), ' +
    'binary codec: one MessagePack (msgpackr) message per binary frame, zod-validated on receipt',
});
