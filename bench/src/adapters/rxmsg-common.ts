import { join } from 'node:path';
import type { Observable } from 'rxjs';
import type { ClientEvent, ServerEvent } from '@rxmsg/node';
import type { RunningServer } from '../system-adapter';

/** Disconnect reasons of a run that went as planned. */
const ORDERLY = new Set<string>(['completed', 'remote-closed', 'shutdown', 'local-close']);

/** Text for an event that should not happen in a benchmark run, or `undefined` for a normal one. */
export function abnormal(side: string, e: ServerEvent | ClientEvent): string | undefined {
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

/** Where an rxmsg system listens: TCP on 127.0.0.1, a Unix socket, WebSocket or SOE (reliable UDP) on 127.0.0.1. */
export type RxmsgListen = 'tcp' | 'unix' | 'ws' | 'soe';

/** The listen address of an rxmsg server with a port chosen by the OS (Unix: in `socketDir`). */
export function listenAddress(listen: RxmsgListen, socketDir: string): string {
  switch (listen) {
    case 'tcp':
      return 'tcp://127.0.0.1:0';
    case 'unix':
      return `unix:${join(socketDir, 'rxmsg.sock')}`;
    case 'ws':
      return 'ws://127.0.0.1:0/bench';
    case 'soe':
      return 'soe://127.0.0.1:0';
  }
}


/** What {@link watchedServer} needs of an rxmsg server handle. */
interface ServerLike {
  readonly events$: Observable<ServerEvent>;
  addresses(): string[];
  close(): Promise<void>;
}

/** A started rxmsg server as a {@link RunningServer}: every abnormal event becomes a run problem. */
export function watchedServer(server: ServerLike, problem: (text: string) => void): RunningServer {
  const events = server.events$.subscribe((e) => {
    const text = abnormal('server', e);
    if (text !== undefined) problem(text);
  });
  return {
    address: server.addresses()[0]!,
    close: async () => {
      await server.close();
      events.unsubscribe();
    },
  };
}
