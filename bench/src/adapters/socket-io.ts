import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as SocketIoServer from 'socket.io';
import type * as SocketIoClient from 'socket.io-client';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { asNumbered } from './json-lines';

let loaded: { readonly server: typeof SocketIoServer; readonly client: typeof SocketIoClient } | undefined;

/** socket.io and its client, loaded on first use (only by the processes that run this system: start-up is most of a quick run). */
function load(): { readonly server: typeof SocketIoServer; readonly client: typeof SocketIoClient } {
  // require() returns `any`: the casts give it the types of the modules it loads.
  loaded ??= { server: require('socket.io') as typeof SocketIoServer, client: require('socket.io-client') as typeof SocketIoClient };
  return loaded;
}

/** The one event name every message is sent under; the message is its one argument. */
const EVENT = 'msg';
/** One-way: every this many messages (and the last) is emitted with an acknowledgement… */
const ACK_EVERY = 1_024;
/** …and the sender waits while this many acknowledgements are outstanding (16 × 1,024 = 16,384 messages, rxmsg's sendQueueLimit). */
const MAX_UNACKED = 16;

/**
 * socket.io 4 as an application would use it, WebSocket transport only on both sides (no
 * HTTP long-polling, no upgrade): every message is `emit('msg', { kind, n })`, checked by hand
 * on receipt. socket.io has no backpressure signal, so the one-way sender takes credit from
 * acknowledgements: every 1,024th message asks for one, and it waits while 16 are outstanding.
 */
export const socketIo: SystemAdapter = {
  name: 'socket-io',
  family: 'peer',
  preload: () => void load(),
  description:
    "socket.io 4 server and socket.io-client over WebSocket only (transports: ['websocket'] on both sides), one " +
    "emit('msg', {kind, n}) per message (socket.io's JSON packet in one WebSocket frame), type-checked by hand on receipt",
  settings:
    "transports ['websocket'] on server and client; client forceNew (one connection per client, no multiplexing) and " +
    'reconnection off; serveClient off. socket.io has no backpressure signal: the one-way sender asks for an acknowledgement ' +
    'on every 1,024th message and waits while 16 are outstanding (at most 16,384 messages in flight, like rxmsg\'s queue limit)',

  serve(run: ServerRun): Promise<RunningServer> {
    const { Server } = load().server;
    return new Promise((resolve, reject) => {
      const http: HttpServer = createServer();
      const server = new Server(http, { transports: ['websocket'], serveClient: false });
      server.on('connection', (socket) => {
        socket.on('error', (e: Error) => run.problem(`server socket error: ${e.message}`));
        socket.on(EVENT, (message: unknown, ack: unknown) => {
          const n = asNumbered(message, 'Ping');
          if (n === undefined) {
            run.problem('server: a message that is not a Ping');
            socket.disconnect(true);
            return;
          }
          if (run.kind === 'sink') {
            run.receiver.onPing(n);
            if (typeof ack === 'function') ack();
          } else socket.emit(EVENT, { kind: 'Pong', n });
        });
      });
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => {
        http.off('error', reject);
        const { port } = http.address() as AddressInfo; // listening on a TCP port: always an AddressInfo
        resolve({
          address: `http://127.0.0.1:${port}`,
          close: () => server.close().then(() => undefined),
        });
      });
    });
  },

  runClient(run: ClientRun): Promise<void> {
    const { io } = load().client;
    return new Promise<void>((resolve) => {
      const socket = io(run.address, { transports: ['websocket'], forceNew: true, reconnection: false });
      let ended = false;
      const end = (why: string): void => {
        if (ended) return;
        ended = true;
        if (run.kind === 'requests') run.driver.connectionEnded(why);
        resolve();
      };
      socket.on('connect_error', (e: Error) => {
        run.problem(`client connect error: ${e.message}`);
        end('connect error');
      });
      socket.on('disconnect', (reason: string) => end(`disconnected (${reason})`));
      if (run.kind === 'one-way') {
        let n = 0;
        let unacked = 0;
        let paused = false;
        const pump = (): void => {
          while (n < run.total) {
            const i = n++;
            const last = i === run.total - 1;
            if (!last && i % ACK_EVERY !== ACK_EVERY - 1) {
              socket.emit(EVENT, { kind: 'Ping', n: i });
              continue;
            }
            unacked++;
            socket.emit(EVENT, { kind: 'Ping', n: i }, () => {
              unacked--;
              if (last) socket.disconnect();
              else if (paused && unacked < MAX_UNACKED) {
                paused = false;
                pump();
              }
            });
            if (unacked >= MAX_UNACKED) {
              paused = true;
              return;
            }
          }
        };
        socket.once('connect', pump);
        return;
      }
      const d = run.driver;
      const sendAllowed = (): void => {
        for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) socket.emit(EVENT, { kind: 'Ping', n });
        if (d.finished && socket.connected) socket.disconnect();
      };
      d.setWake(sendAllowed);
      socket.once('connect', sendAllowed);
      socket.on(EVENT, (message: unknown) => {
        const n = asNumbered(message, 'Pong');
        if (n === undefined) {
          run.problem('client: a message that is not a Pong');
          socket.disconnect();
          return;
        }
        d.onReply(n);
        sendAllowed();
      });
    });
  },
};
