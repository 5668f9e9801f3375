import { readFileSync } from 'node:fs';
import { firstValueFrom } from 'rxjs';
import { AddressError, parseAddress, type Connection, type Transport } from '@rxmsg/core';
import { soeTransport, tcpTransport, tlsTransport, wsTransport } from '@rxmsg/node';

/** TLS material given on the command line. */
export interface TlsFlags {
  /** PEM file of a CA to trust (connecting side). */
  readonly ca?: string;
  /** Skip certificate verification (connecting side; for tests against self-signed servers). */
  readonly insecure?: boolean;
  /** PEM certificate and key files (listening side, `tls://` and `wss://`). */
  readonly cert?: string;
  readonly key?: string;
}

/** The Node transports (tcp, unix, tls, ws, wss, soe) with the TLS options of `flags`. */
export function cliTransports(flags: TlsFlags): Transport[] {
  const client = {
    ...(flags.ca === undefined ? {} : { ca: readFileSync(flags.ca) }),
    ...(flags.insecure === true ? { rejectUnauthorized: false } : {}),
  };
  const server = flags.cert !== undefined && flags.key !== undefined ? { cert: readFileSync(flags.cert), key: readFileSync(flags.key) } : undefined;
  return [
    tcpTransport(),
    tlsTransport({ client, ...(server === undefined ? {} : { server }) }),
    wsTransport({ client, ...(server === undefined ? {} : { server }) }),
    soeTransport(),
  ];
}

/** The transport of `transports` that handles `address`'s scheme. */
export function transportFor(transports: readonly Transport[], address: string): Transport {
  const parsed = parseAddress(address);
  const transport = transports.find((t) => t.schemes.includes(parsed.scheme));
  if (transport === undefined) throw new AddressError(address, `no transport handles "${parsed.scheme}"`);
  return transport;
}

/**
 * One connection to `address`.
 * @throws `ConnectError` / `TimeoutError` from the transport, `AddressError` for a bad address.
 */
export function dial(transports: readonly Transport[], address: string, connectTimeoutMs: number): Promise<Connection> {
  return firstValueFrom(transportFor(transports, address).connect(parseAddress(address), { noDelay: true, connectTimeoutMs }));
}
