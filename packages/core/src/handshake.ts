/**
 * What a transport learned while the connection was being set up, as plain data (no sockets, no
 * `Buffer`s: it is structured-cloneable and browser-safe). Filled by the transports that have
 * something to say: the TLS transport (`tls`), the WebSocket server transport (`http`, and `tls`
 * for `wss://`). Visible to `initialState`, routers and processors as `peer.handshake`, so that
 * authentication can use it.
 *
 * Bounded: a certificate's fields are those of one certificate (the chain is not kept), and the
 * request's headers are what Node's HTTP parser accepted (`maxHeaderSize`, 16 KiB by default).
 *
 * @example
 * ```ts
 * initialState: (peer) => ({ user: peer.handshake?.tls?.authorized ? peer.handshake.tls.peerCertificate?.subject['CN'] : undefined }),
 * ```
 */
export interface HandshakeInfo {
  /** The TLS session, on `tls://` and `wss://` connections. */
  readonly tls?: TlsHandshake;
  /** The HTTP upgrade request, on WebSocket connections (server side). */
  readonly http?: HttpUpgrade;
}

/** The TLS side of a {@link HandshakeInfo}. */
export interface TlsHandshake {
  /**
   * Whether the peer's certificate was verified against the trusted CAs. On a server it is only
   * ever `true` when the server asked for client certificates (`requestCert: true`).
   */
  readonly authorized: boolean;
  /** Why it was not authorised (Node's `authorizationError`, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`), when it was not. */
  readonly authorizationError?: string;
  /** The certificate the peer presented, if any. */
  readonly peerCertificate?: PeerCertificate;
  /** The negotiated TLS version, e.g. `TLSv1.3`. */
  readonly protocol?: string;
  /** The server name the client asked for (SNI), on a server. */
  readonly servername?: string;
  /** The protocol chosen by ALPN, if any. */
  readonly alpnProtocol?: string;
}

/** One certificate as plain data: the fields of Node's `getPeerCertificate()` that identify it. */
export interface PeerCertificate {
  /** Subject fields, e.g. `{ CN: 'alice', O: 'Example' }` (a repeated field gives an array). */
  readonly subject: Readonly<Record<string, string | readonly string[]>>;
  /** Issuer fields, in the same form. */
  readonly issuer: Readonly<Record<string, string | readonly string[]>>;
  /** `DNS:example.com, IP Address:127.0.0.1`, when the certificate has alternative names. */
  readonly subjectAltName?: string;
  /** Serial number, in hexadecimal. */
  readonly serialNumber: string;
  /** SHA-256 fingerprint, `AB:CD:...`. */
  readonly fingerprint256: string;
  /** Start of validity, as the certificate states it. */
  readonly validFrom: string;
  /** End of validity, as the certificate states it. */
  readonly validTo: string;
}

/** The HTTP upgrade request of a WebSocket connection, as the server received it. */
export interface HttpUpgrade {
  /** The request path, without the query (`/chat`). */
  readonly path: string;
  /** The query parameters; a repeated one gives an array. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** The request headers, names in lower case; a repeated one gives an array (Node's `headersDistinct` joined where Node joins). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * The part of a Node `TLSSocket` that `tlsHandshakeOf` reads, typed structurally so that
 * this browser-safe package needs no Node types.
 */
export interface TlsSocketLike {
  readonly authorized: boolean;
  readonly authorizationError?: Error | string | null | undefined;
  readonly alpnProtocol?: string | false | null | undefined;
  readonly servername?: string | false | null | undefined;
  getProtocol(): string | null;
  /** Node's `PeerCertificate` (read as {@link CertificateFields}), an empty object when the peer sent none. */
  getPeerCertificate(detailed?: boolean): object | null | undefined;
}

/** The fields of Node's `PeerCertificate` that `tlsHandshakeOf` keeps. */
export interface CertificateFields {
  readonly subject?: object | undefined;
  readonly issuer?: object | undefined;
  readonly subjectaltname?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly fingerprint256?: string | undefined;
  readonly valid_from?: string | undefined;
  readonly valid_to?: string | undefined;
}

/**
 * Describe a secured TLS socket as plain data (Node's `TLSSocket` is one): whether the peer was
 * authorised and why not, its certificate's identifying fields (not the chain, not the raw DER),
 * the TLS version, SNI name and ALPN protocol. Used by the TLS and WebSocket transports.
 */
export function tlsHandshakeOf(socket: TlsSocketLike): TlsHandshake {
  const cert = socket.getPeerCertificate(false);
  const error = socket.authorizationError;
  const protocol = socket.getProtocol();
  const { servername, alpnProtocol } = socket;
  return {
    authorized: socket.authorized === true,
    ...(error === undefined || error === null ? {} : { authorizationError: typeof error === 'string' ? error : ((error as { code?: string }).code ?? error.message) }),
    // Node's certificate object, read through the fields it documents; an empty one means none was sent.
    ...(cert === null || cert === undefined || !('fingerprint256' in cert) ? {} : { peerCertificate: certificateOf(cert as CertificateFields) }),
    ...(protocol === null ? {} : { protocol }),
    ...(typeof servername === 'string' ? { servername } : {}),
    ...(typeof alpnProtocol === 'string' ? { alpnProtocol } : {}),
  };
}

function certificateOf(cert: CertificateFields): PeerCertificate {
  return {
    subject: names(cert.subject),
    issuer: names(cert.issuer),
    ...(cert.subjectaltname === undefined ? {} : { subjectAltName: cert.subjectaltname }),
    serialNumber: cert.serialNumber ?? '',
    fingerprint256: cert.fingerprint256 ?? '',
    validFrom: cert.valid_from ?? '',
    validTo: cert.valid_to ?? '',
  };
}

/** A copy of a certificate's name fields, as a plain object (Node's has a null prototype). */
function names(fields: object | undefined): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (fields === undefined) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}
