/**
 * The client side of `soe://`: one UDP socket per session, connected to the server, a
 * `SessionRequest` resent until the server answers, and a `RemapConnection` when the server says
 * it does not know this address any more (the client's NAT mapping changed).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Observable } from 'rxjs';
import { ConnectError, TimeoutError, TransportError, type Connection } from '@rxmsg/core';
import { formatSoeAddress, type SoeAddress } from './soe-address';
import { SoeConnection } from './soe-connection';
import { encodeSoeDatagram } from './soe-datagram';
import { SoeOpCode } from './soe-op-code';
import { SoeSession } from './soe-session';
import { monotonicClock, SoeSessionDriver } from './soe-session-driver';
import type { ResolvedSoeTransportOptions } from './soe-transport-options';

/** The least time between two `RemapConnection`s of one session, in ms. */
const REMAP_INTERVAL_MS = 250;
/**
 * `RemapConnection`s left unanswered (`UnknownSender` again, no session datagram since the first
 * of them), over at least {@link REMAP_GIVE_UP_MS}, after which the server is taken not to know
 * the session (it restarted, or forgot it): the session ends instead of waiting out `inactivityMs`.
 */
const REMAP_GIVE_UP_ATTEMPTS = 2;
const REMAP_GIVE_UP_MS = 1000;

/**
 * Dials `target` once: emits the connection when the session opened, then completes. Errors with
 * a `ConnectError` when the server refused (its `Disconnect`, or an ICMP error on the socket) or
 * did not answer within the session's `inactivityMs`; with a `TimeoutError` after
 * `connectTimeoutMs`. Unsubscribing before it emits abandons the session and closes the socket.
 */
export function dialSoe(target: SoeAddress, options: ResolvedSoeTransportOptions, connectTimeoutMs: number): Observable<Connection> {
  return new Observable<Connection>((subscriber) => {
    const text = formatSoeAddress(target.host, target.port, target.applicationProtocol);
    const clock = options.clock ?? monotonicClock;
    const socket: Socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    let socketClosed = false;
    let connection: SoeConnection | undefined;
    let lastRemapAt = -Infinity;
    /** RemapConnections sent since the last session datagram from the server, and when the first of them went. */
    let remapsUnanswered = 0;
    let firstRemapAt = 0;
    let deadline: NodeJS.Timeout | undefined;

    /** Sends not yet done: the socket closes after them, so a final Disconnect goes out. */
    let sending = 0;
    let closeRequested = false;
    const closeSocket = (): void => {
      closeRequested = true;
      if (socketClosed || sending > 0) return;
      socketClosed = true;
      socket.close();
    };
    const send = (datagram: Uint8Array): void => {
      if (socketClosed) return;
      sending += 1;
      socket.send(datagram, (error) => {
        sending -= 1;
        if (closeRequested) closeSocket();
        // A send failure is a lost datagram; the reliable channel resends, the session's timeouts bound it.
        else if (error !== null && error !== undefined) onSocketError(error);
      });
    };
    const session = new SoeSession({ ...options.session, role: 'client', applicationProtocol: target.applicationProtocol });
    const driver = new SoeSessionDriver(
      session,
      {
        sendDatagram: send,
        onOpen() {
          clearTimeout(deadline);
          // Confirm the session to the server at once: until it hears from this address after the
          // request, the server holds the session as unconfirmed (its source may be forged), and a
          // flood of forged requests evicts the oldest unconfirmed one, an idle real client included.
          const params = session.params;
          if (params !== undefined) send(encodeSoeDatagram({ kind: 'heartbeat' }, params));
          connection = new SoeConnection(driver, {
            localAddress: formatSoeAddress(socket.address().address, socket.address().port),
            remoteAddress: text,
            maxHeldBytes: options.maxHeldBytes,
            maxPendingBytes: options.maxPendingBytes,
            halfClose: options.halfClose,
          });
          subscriber.next(connection);
          subscriber.complete();
        },
        onPayloads(payloads) {
          connection?.onPayloads(payloads);
        },
        onWritable() {
          connection?.onWritable();
        },
        onIdle() {
          connection?.onIdle();
        },
        onEnded(end) {
          clearTimeout(deadline);
          closeSocket();
          if (connection !== undefined) connection.onEnded(end);
          else if (end.reason === 'protocol-mismatch' && end.peerReason !== undefined) {
            // The server's Disconnect(ProtocolMismatch) carries no text: say what it can mean.
            const why = `the SOE server refused the session (ProtocolMismatch): application protocol "${target.applicationProtocol}" not hosted, or protocol version or UDP length refused`;
            subscriber.error(new ConnectError(text, 1, { cause: new TransportError(why, { cause: end.error }) }));
          } else subscriber.error(new ConnectError(text, 1, { cause: end.error ?? new TransportError(`SOE session ended: ${end.reason}`) }));
        },
      },
      clock,
    );

    function onSocketError(error: Error): void {
      // ECONNREFUSED and the like: ICMP said nobody listens there. Before the session opened, the
      // dial fails; after, the connection ends (the server is gone).
      driver.abandon(new TransportError(`SOE socket to ${text}: ${error.message}`, { cause: error }));
    }

    socket.on('error', onSocketError);
    socket.on('message', (message: Buffer) => {
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.length);
      if (bytes.length === 2 && bytes[0] === 0 && bytes[1] === SoeOpCode.UnknownSender) {
        const id = session.sessionId;
        const seed = session.crcSeed;
        const now = clock();
        if (id === undefined || seed === undefined || session.state !== 'open') return;
        if (remapsUnanswered >= REMAP_GIVE_UP_ATTEMPTS && now - firstRemapAt >= REMAP_GIVE_UP_MS) {
          // The server drops a RemapConnection it cannot match: it does not know this session.
          driver.abandon(new TransportError(`the SOE server at ${text} does not know this session (it restarted, or forgot it): ${remapsUnanswered} RemapConnections went unanswered`));
          return;
        }
        const params = session.params;
        if (now - lastRemapAt >= REMAP_INTERVAL_MS && params !== undefined) {
          if (remapsUnanswered === 0) firstRemapAt = now;
          remapsUnanswered += 1;
          lastRemapAt = now;
          send(encodeSoeDatagram({ kind: 'remap-connection', sessionId: id, crcSeed: seed }));
          // A Heartbeat after it, which a server that knows the session answers (from the new
          // address, or the old one when the UnknownSender was not the server's): an UnknownSender
          // costs a blind sender two bytes, and alone it must not end a session the server holds.
          send(encodeSoeDatagram({ kind: 'heartbeat' }, params));
        }
        return;
      }
      remapsUnanswered = 0;
      if (connection !== undefined && !connection.admits()) return;
      driver.receive(bytes);
    });
    // Node passes the connect callback the lookup or connect error (its typings say nothing of it):
    // a host that does not resolve must fail the dial, not send from an unconnected socket.
    socket.connect(target.port, target.host, (error?: Error) => {
      if (socketClosed) return;
      if (error !== undefined && error !== null) {
        onSocketError(error);
        return;
      }
      if (options.socketBufferBytes !== undefined) {
        socket.setRecvBufferSize(options.socketBufferBytes);
        socket.setSendBufferSize(options.socketBufferBytes);
      }
      driver.start();
    });
    if (connectTimeoutMs > 0) {
      deadline = setTimeout(() => {
        subscriber.error(new TimeoutError(`connecting to ${text} took more than ${connectTimeoutMs} ms`));
        driver.abandon(new TimeoutError('connect timed out'));
        closeSocket();
      }, connectTimeoutMs);
    }
    return () => {
      clearTimeout(deadline);
      if (connection === undefined) {
        driver.abandon(new TransportError('connect abandoned'));
        closeSocket();
      }
    };
  });
}
