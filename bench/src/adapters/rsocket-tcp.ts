import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { RSocketClient, RSocketServer, Utf8Encoders } from 'rsocket-core';
import { Single } from 'rsocket-flowable';
import RSocketTcpClient from 'rsocket-tcp-client';
import RSocketTcpServer from 'rsocket-tcp-server';
import type { Payload, ReactiveSocket } from 'rsocket-types';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { jsonMessage, parseNumbered } from './json-lines';

/** One-way: every this many messages (and the last) goes as request-response, the sender's credit… */
const CREDIT_EVERY = 1_024;
/** …and the sender waits while this many are unanswered (16 × 1,024 = 16,384 messages, rxmsg's sendQueueLimit). */
const MAX_UNANSWERED = 16;

/** Connection setup: keep-alive far beyond a run, JSON data. */
const SETUP = { keepAlive: 60_000, lifetime: 180_000, dataMimeType: 'application/json', metadataMimeType: 'text/plain' } as const;

type Socket_ = ReactiveSocket<string, string>;

function payload(kind: 'Ping' | 'Pong', n: number): Payload<string, string> {
  return { data: jsonMessage(kind, n), metadata: '' };
}

function parseHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/**
 * rsocket-js 0.0.27 (rsocket-core, rsocket-tcp-server, rsocket-tcp-client) as its README
 * shows it: an RSocketServer and RSocketClient over TCP with UTF-8 payloads, JSON in the data,
 * no metadata. Request workloads use request-response (one stream per request); one-way uses
 * fire-and-forget. rsocket's fire-and-forget has no flow control and its TCP connection ignores
 * `write()`'s return, so the one-way sender takes credit from requests: every 1,024th message
 * goes as request-response, and it waits while 16 are unanswered.
 */
export const rsocketTcp: SystemAdapter = {
  name: 'rsocket-tcp',
  family: 'peer',
  description:
    'rsocket-js 0.0.27 (rsocket-core RSocketServer/RSocketClient, rsocket-tcp-server, rsocket-tcp-client) over TCP (127.0.0.1), ' +
    'UTF-8 payloads with the JSON message as data and no metadata, JSON.parse()d and type-checked by hand; request-response ' +
    'for ping-pong, pipelined and fan-in, fire-and-forget for one-way',
  settings:
    'keepAlive 60 s, lifetime 180 s (no keep-alive frame within a run); noDelay on both sides like every other system ' +
    '(rsocket-tcp-* leave Nagle on): the client through net.connect\'s noDelay option, the server in a serverFactory. fire-and-forget has no flow control: the one-way sender ' +
    'sends every 1,024th message as request-response and waits while 16 are unanswered (at most 16,384 in flight)',

  serve(run: ServerRun): Promise<RunningServer> {
    return new Promise((resolve, reject) => {
      let net: NetServer | undefined;
      const sockets = new Set<Socket>();
      const onPing = (data: string | null | undefined): number | undefined => {
        const n = parseNumbered(data ?? '', 'Ping');
        if (n === undefined) run.problem('server: a payload that is not a Ping');
        else if (run.kind === 'sink') run.receiver.onPing(n);
        return n;
      };
      const server = new RSocketServer<string, string>({
        getRequestHandler: () => ({
          requestResponse: (p) => {
            const n = onPing(p.data);
            return n === undefined ? Single.error(new Error('not a Ping')) : Single.of(payload('Pong', n));
          },
          fireAndForget: (p) => void onPing(p.data),
        }),
        errorHandler: (e) => run.problem(`server error: ${e.message}`),
        transport: new RSocketTcpServer(
          {
            host: '127.0.0.1',
            port: 0,
            serverFactory: (onConnect) => {
              net = createServer((socket) => {
                sockets.add(socket);
                socket.setNoDelay(true);
                socket.on('close', () => sockets.delete(socket));
                onConnect(socket);
              });
              net.once('error', reject);
              net.once('listening', () => {
                const bound = net!;
                bound.off('error', reject);
                const { port } = bound.address() as AddressInfo; // listening on a TCP port: always an AddressInfo
                resolve({
                  address: `127.0.0.1:${port}`,
                  close: () =>
                    new Promise<void>((done) => {
                      bound.close(() => done());
                      server.stop();
                      for (const s of sockets) s.destroy();
                    }),
                });
              });
              return net;
            },
          },
          Utf8Encoders,
        ),
      });
      server.start();
    });
  },

  runClient(run: ClientRun): Promise<void> {
    return new Promise<void>((resolve) => {
      const client = new RSocketClient<string, string>({
        setup: SETUP,
        transport: new RSocketTcpClient({ ...parseHostPort(run.address), noDelay: true }, Utf8Encoders),
      });
      let ended = false;
      const end = (why: string): void => {
        if (ended) return;
        ended = true;
        if (run.kind === 'requests') run.driver.connectionEnded(why);
        client.close();
        resolve();
      };
      const failed = (what: string) => (e: Error): void => {
        run.problem(`client ${what}: ${e.message}`);
        end(what);
      };
      client.connect().subscribe({
        onError: failed('connect error'),
        onComplete: (socket) => {
          socket.connectionStatus().subscribe({
            onSubscribe: (s) => s.request(Number.MAX_SAFE_INTEGER),
            onNext: (status) => {
              if (status.kind === 'CLOSED' || status.kind === 'ERROR') end(`connection ${status.kind.toLowerCase()}`);
            },
          });
          if (run.kind === 'one-way') sendOneWay(socket, run.total, () => end('done'), failed('request error'));
          else runRequests(socket, run, () => end('done'), failed('request error'));
        },
      });
    });
  },
};

/**
 * One-way: fire-and-forget, with a request-response every {@link CREDIT_EVERY} messages as credit.
 * `done` runs from a microtask: rsocket releases a request's stream after its reply callback,
 * and closing inside the callback would error the stream already answered.
 */
function sendOneWay(socket: Socket_, total: number, done: () => void, failed: (e: Error) => void): void {
  let n = 0;
  let unanswered = 0;
  let paused = false;
  const pump = (): void => {
    while (n < total) {
      const i = n++;
      const last = i === total - 1;
      if (!last && i % CREDIT_EVERY !== CREDIT_EVERY - 1) {
        socket.fireAndForget(payload('Ping', i));
        continue;
      }
      unanswered++;
      socket.requestResponse(payload('Ping', i)).subscribe({
        onComplete: () => {
          unanswered--;
          if (last) queueMicrotask(done);
          else if (paused && unanswered < MAX_UNANSWERED) {
            paused = false;
            pump();
          }
        },
        onError: failed,
      });
      if (unanswered >= MAX_UNANSWERED) {
        paused = true;
        return;
      }
    }
  };
  pump();
}

/** Request workloads: one request-response per request the driver allows. */
function runRequests(socket: Socket_, run: Extract<ClientRun, { kind: 'requests' }>, done: () => void, failed: (e: Error) => void): void {
  const d = run.driver;
  const onReply = (p: Payload<string, string>): void => {
    const n = parseNumbered(p.data ?? '', 'Pong');
    if (n === undefined) {
      failed(new Error('a reply that is not a Pong'));
      return;
    }
    d.onReply(n);
    sendAllowed();
  };
  const sendAllowed = (): void => {
    for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) {
      socket.requestResponse(payload('Ping', n)).subscribe({ onComplete: onReply, onError: failed });
    }
    // After the current reply's stream is released: closing inside its callback errors that stream.
    if (d.finished) queueMicrotask(done);
  };
  d.setWake(sendAllowed);
  sendAllowed();
}
