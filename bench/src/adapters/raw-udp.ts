import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { jsonMessage, parseNumbered } from './json-lines';
import { UdpSendWindow, ackDue } from './udp-send-window';

/**
 * Socket buffers asked for on both ends (SO_RCVBUF/SO_SNDBUF; Linux caps them at
 * `net.core.rmem_max`/`wmem_max`): room for the 1,000 requests of the pipelined workload and the
 * one-way window, so that loopback loses nothing while the other process is not scheduled.
 */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** One-way: most datagrams sent beyond the receiver's last acknowledgement. */
export const ONE_WAY_WINDOW = 1024;

/** One-way: the receiver acknowledges every this many datagrams. */
export const ONE_WAY_ACK_EVERY = 64;

/** A sender with nothing acknowledged (one-way) or answered (requests) for this long gives up: a datagram was lost. */
const STALL_MS = 2_000;

/** Why a UDP system does not run the fan-in workloads. */
export const UDP_NO_FAN_IN =
  'a datagram system: the fan-in and idle workloads open hundreds or thousands of connections, which raw UDP does not have ' +
  '(one socket serves every peer) and which would measure the datagram sessions, not the transport the issue compares';

function parseHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

function udpSocket(): Socket {
  return createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
}

/** Close a dgram socket once; resolves when it is closed. */
function closeSocket(socket: Socket, closed: { value: boolean }): Promise<void> {
  if (closed.value) return Promise.resolve();
  closed.value = true;
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Raw `node:dgram`, the limit of a datagram transport on loopback: one JSON message per datagram
 * (`{"kind":"Ping","n":0}`, the same messages as `raw-tcp-json` without the line end), each
 * datagram `JSON.parse`d with the same type check. No sessions, no fragmentation, **no
 * reliability**: a lost datagram is not resent and fails the run (the request client gives up
 * after {@link STALL_MS} without a reply; the one-way receiver reports the gap).
 *
 * - Ping-pong and pipelined: the server answers each `Ping n` datagram with a `Pong n` datagram to
 *   its source address. Pipelined keeps 1,000 requests in flight, which the socket buffers of
 *   {@link SOCKET_BUFFER_BYTES} hold.
 * - One-way: UDP has no backpressure, so a sender going as fast as it can overruns the receiver and
 *   the kernel drops datagrams. The sender paces itself with the smallest honest flow control
 *   ({@link UdpSendWindow}): at most {@link ONE_WAY_WINDOW} datagrams beyond the receiver's last
 *   acknowledgement, which it sends every {@link ONE_WAY_ACK_EVERY} datagrams (`{"kind":"Ack","n":received}`).
 *   The receiver counts every datagram, as in the other systems; the sender closes once the last
 *   acknowledgement arrived.
 * - Fan-in: not run ({@link UDP_NO_FAN_IN}).
 */
export const rawUdpJson: SystemAdapter = {
  name: 'raw-udp-json',
  family: 'baseline',
  description:
    'node:dgram over UDP (127.0.0.1), one JSON message per datagram (JSON.stringify, JSON.parse()d one by one), no reliability: ' +
    `the limit of a datagram transport. One-way paces itself with a sliding window (${ONE_WAY_WINDOW} datagrams beyond the ` +
    `receiver's acknowledgement, sent every ${ONE_WAY_ACK_EVERY}), since UDP has no backpressure and a receiver overrun loses datagrams`,
  settings: `SO_RCVBUF/SO_SNDBUF ${SOCKET_BUFFER_BYTES / 1024 / 1024} MiB asked for on both ends (capped by net.core.rmem_max/wmem_max), so that the pipelined window fits`,
  notApplicable: { 'fan-in-200': UDP_NO_FAN_IN, 'fan-in-2000': UDP_NO_FAN_IN, 'idle-10k': UDP_NO_FAN_IN },

  serve(run: ServerRun): Promise<RunningServer> {
    const socket = udpSocket();
    const closed = { value: false };
    let received = 0;
    socket.on('error', (e) => run.problem(`server socket error: ${e.message}`));
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      const n = parseNumbered(msg.toString('utf8'), 'Ping');
      if (n === undefined) {
        run.problem(`server: bad datagram ${JSON.stringify(msg.toString('utf8', 0, 80))}`);
        return;
      }
      if (run.kind === 'echo') {
        socket.send(jsonMessage('Pong', n), from.port, from.address);
        return;
      }
      run.receiver.onPing(n);
      const ack = ackDue(++received, ONE_WAY_ACK_EVERY);
      if (ack !== undefined) socket.send(jsonMessage('Ack', ack), from.port, from.address);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: 0, address: '127.0.0.1' }, () => {
        socket.off('error', reject);
        resolve({ address: `127.0.0.1:${socket.address().port}`, close: () => closeSocket(socket, closed) });
      });
    });
  },

  runClient(run: ClientRun): Promise<void> {
    return new Promise<void>((resolve) => {
      const socket = udpSocket();
      const closed = { value: false };
      const stall = setTimeout(() => {
        run.problem(`client: nothing came back for ${STALL_MS / 1000} s; a datagram was lost and raw UDP does not resend it`);
        void closeSocket(socket, closed);
      }, STALL_MS);
      const close = (): void => {
        clearTimeout(stall);
        void closeSocket(socket, closed);
      };
      socket.on('error', (e) => {
        run.problem(`client socket error: ${e.message}`);
        close();
      });
      socket.on('close', () => {
        clearTimeout(stall);
        if (run.kind === 'requests') run.driver.connectionEnded('socket closed');
        resolve();
      });
      const { host, port } = parseHostPort(run.address);
      if (run.kind === 'one-way') {
        const window = new UdpSendWindow({ total: run.total, window: ONE_WAY_WINDOW, ackEvery: ONE_WAY_ACK_EVERY });
        const sendAllowed = (): void => {
          for (let n = window.next(); n !== undefined; n = window.next()) socket.send(jsonMessage('Ping', n));
          if (window.done) close();
        };
        socket.on('message', (msg: Buffer) => {
          const acked = parseNumbered(msg.toString('utf8'), 'Ack');
          if (acked === undefined) {
            run.problem(`client: bad datagram ${JSON.stringify(msg.toString('utf8', 0, 80))}`);
            return;
          }
          stall.refresh();
          window.onAck(acked);
          sendAllowed();
        });
        socket.connect(port, host, sendAllowed);
        return;
      }
      const d = run.driver;
      const sendAllowed = (): void => {
        for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) socket.send(jsonMessage('Ping', n));
        if (d.finished) close();
      };
      d.setWake(sendAllowed);
      socket.on('message', (msg: Buffer) => {
        const n = parseNumbered(msg.toString('utf8'), 'Pong');
        if (n === undefined) {
          run.problem(`client: bad datagram ${JSON.stringify(msg.toString('utf8', 0, 80))}`);
          return;
        }
        stall.refresh();
        d.onReply(n);
        sendAllowed();
      });
      socket.connect(port, host, sendAllowed);
    });
  },
};
