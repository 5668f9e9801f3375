import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { LineSplitter, LineWriter, jsonLine, parseNumbered } from './json-lines';

interface RawSpec {
  readonly name: string;
  /** Messages per `write()`. */
  readonly batch: number;
  readonly description: string;
  readonly notApplicable?: SystemAdapter['notApplicable'];
}

function parseHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/**
 * Hand-written newline-delimited JSON over `node:net`, the floor rxmsg is measured against:
 * `setNoDelay(true)` like rxmsg's default, `setEncoding('utf8')`, lines split by hand and
 * `JSON.parse`d one by one with a type check, messages built with `JSON.stringify` + `\n`.
 * The one-way sender stops at `write() === false` and goes on at `drain`.
 */
function rawNetSystem(spec: RawSpec): SystemAdapter {
  return {
    name: spec.name,
    family: 'baseline',
    description: spec.description,
    settings: '',
    ...(spec.notApplicable === undefined ? {} : { notApplicable: spec.notApplicable }),

    serve(run: ServerRun): Promise<RunningServer> {
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', (e) => run.problem(`server socket error: ${e.message}`));
        socket.on('close', () => sockets.delete(socket));
        socket.setNoDelay(true);
        socket.setEncoding('utf8');
        const lines = new LineSplitter();
        const writer = new LineWriter(socket, spec.batch);
        const onLine = (line: string): void => {
          const n = parseNumbered(line, 'Ping');
          if (n === undefined) {
            run.problem(`server: bad line ${JSON.stringify(line.slice(0, 80))}`);
            socket.destroy();
          } else if (run.kind === 'sink') run.receiver.onPing(n);
          else writer.add(jsonLine('Pong', n));
        };
        socket.on('data', (chunk: string) => {
          if (!lines.push(chunk, onLine)) {
            run.problem('server: line over the limit');
            socket.destroy();
          }
          writer.flush();
        });
        socket.on('end', () => socket.end());
      });
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo; // listening on a TCP port: always an AddressInfo
          resolve({
            address: `127.0.0.1:${port}`,
            close: () =>
              new Promise<void>((done) => {
                for (const s of sockets) s.destroy();
                server.close(() => done());
              }),
          });
        });
      });
    },

    runClient(run: ClientRun): Promise<void> {
      return new Promise<void>((resolve) => {
        const socket = createConnection(parseHostPort(run.address));
        socket.on('error', (e) => run.problem(`client socket error: ${e.message}`));
        socket.on('close', () => {
          if (run.kind === 'requests') run.driver.connectionEnded('connection closed');
          resolve();
        });
        socket.setNoDelay(true);
        socket.setEncoding('utf8');
        if (run.kind === 'one-way') {
          let n = 0;
          const send = (): void => {
            while (n < run.total) {
              let chunk: string;
              if (spec.batch === 1) chunk = jsonLine('Ping', n++);
              else {
                const parts: string[] = [];
                for (let k = 0; k < spec.batch && n < run.total; k++) parts.push(jsonLine('Ping', n++));
                chunk = parts.join('');
              }
              if (!socket.write(chunk)) {
                socket.once('drain', send);
                return;
              }
            }
            socket.end();
          };
          socket.once('connect', send);
          socket.on('end', () => socket.end());
          return;
        }
        const d = run.driver;
        const writer = new LineWriter(socket, spec.batch);
        const sendAllowed = (): void => {
          for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) writer.add(jsonLine('Ping', n));
        };
        d.setWake(() => {
          sendAllowed();
          writer.flush();
        });
        const lines = new LineSplitter();
        const onLine = (line: string): void => {
          const n = parseNumbered(line, 'Pong');
          if (n === undefined) {
            run.problem(`client: bad line ${JSON.stringify(line.slice(0, 80))}`);
            socket.destroy();
            return;
          }
          d.onReply(n);
          sendAllowed();
        };
        socket.once('connect', () => {
          sendAllowed();
          writer.flush();
        });
        socket.on('data', (chunk: string) => {
          if (!lines.push(chunk, onLine)) {
            run.problem('client: line over the limit');
            socket.destroy();
            return;
          }
          writer.flush();
          if (d.finished) socket.end();
        });
        socket.on('end', () => socket.end());
      });
    },
  };
}

/** Raw `net`, newline-delimited JSON, one `write()` per message. */
export const rawTcpJson = rawNetSystem({
  name: 'raw-tcp-json',
  batch: 1,
  description:
    'node:net over TCP (127.0.0.1), newline-delimited JSON: one socket.write() per message (JSON.stringify + "\\n"), ' +
    'lines split by hand and JSON.parse()d one by one; the one-way sender waits for drain when write() returns false',
});

/** Raw `net`, newline-delimited JSON, 64 messages per `write()`: the limit. */
export const rawTcpJsonBatch64 = rawNetSystem({
  name: 'raw-tcp-json-batch64',
  batch: 64,
  notApplicable: {
    'idle-10k': 'the same code as `raw-tcp-json` when idle (batching only changes writes, and an idle connection makes none): its row would repeat that one',
  },
  description:
    'node:net over TCP (127.0.0.1), newline-delimited JSON, up to 64 messages joined per socket.write() (what is ready in one ' +
    'data event or send loop; ping-pong has only one), parsed like raw-tcp-json: the limit for JSON lines',
});
