import { isIP } from 'node:net';
import { connect, createServer, type ConnectionOptions, type TLSSocket, type TlsOptions } from 'node:tls';
import { type Transport } from '@rxmsg/core';
import { tlsHandshakeOf } from '@rxmsg/core/internal';
import { streamSocketTransport } from './stream-socket-transport';

/** Certificates and checks of {@link tlsTransport}; Node's own `tls` options. */
export interface TlsTransportOptions {
  /** Options of the listening side: at least `key` and `cert`. */
  readonly server?: TlsOptions;
  /** Options of the connecting side, e.g. `ca` to trust a private CA, `servername`. */
  readonly client?: ConnectionOptions;
}

/**
 * The transport for `tls://host:port` addresses: TCP with TLS, over Node's `tls`.
 * Certificates are verified by default on the connecting side. Every connection's
 * `handshake.tls` (seen by `initialState`, routers and `peer.handshake`) tells whether the peer's
 * certificate was authorised and what it says: ask clients for one with
 * `server: { key, cert, ca, requestCert: true, rejectUnauthorized: false }` to decide in the
 * application (or `rejectUnauthorized: true` to refuse unauthorised clients during the handshake).
 *
 * @example
 * ```ts
 * const tls = tlsTransport({ server: { key, cert }, client: { ca: cert } });
 * const server = await createServer({ listen: 'tls://127.0.0.1:0', transports: [tls], protocol, processor });
 * ```
 */
export function tlsTransport(options: TlsTransportOptions = {}): Transport {
  return streamSocketTransport({
    schemes: ['tls'],
    createServer: () => {
      // Half-open only once secured: a client that gives up during the handshake must not leave
      // a half-open socket behind that the runtime never saw.
      const server = createServer({ ...options.server });
      server.on('secureConnection', (socket: TLSSocket) => {
        socket.allowHalfOpen = true;
      });
      return server;
    },
    connectionEvent: 'secureConnection',
    handshakeErrorEvent: 'tlsClientError',
    connect: (address) => {
      if (address.kind === 'unix') throw new TypeError('tls:// needs a host and port');
      // tls.connect passes allowHalfOpen on to its socket; @types/node does not declare it.
      const halfOpen: ConnectionOptions = { allowHalfOpen: true } as ConnectionOptions;
      // SNI carries host names only (RFC 6066), never IP addresses.
      const sni: ConnectionOptions = isIP(address.host) === 0 ? { servername: address.host } : {};
      return connect({ ...sni, ...options.client, ...halfOpen, host: address.host, port: address.port });
    },
    readyEvent: 'secureConnect',
    // The peer's certificate (a client's, when the server sets `requestCert`) and the session, as plain data.
    handshake: (socket) => ({ tls: tlsHandshakeOf(socket as TLSSocket) }),
  });
}
