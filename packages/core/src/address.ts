import { AddressError } from './errors';

/** A host and port address: `tcp://127.0.0.1:4000`, `tls://…`, `ws://host:port/path`. */
export interface InetAddress {
  readonly kind: 'inet';
  /** URL scheme without `://`, e.g. `tcp`. */
  readonly scheme: string;
  /** Host name or IP (IPv6 without brackets). */
  readonly host: string;
  /** Port; 0 asks the system for a free one when listening. */
  readonly port: number;
  /** Path after the port (`/` when none), used by WebSocket addresses. */
  readonly path: string;
}

/** A Unix domain socket address: `unix:/run/app.sock` or `unix:relative.sock`. */
export interface UnixAddress {
  readonly kind: 'unix';
  readonly scheme: 'unix';
  /** File system path of the socket. */
  readonly path: string;
}

/** A parsed listen or connect address. */
export type Address = InetAddress | UnixAddress;

const INET = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]]+):(\d{1,5})(\/.*)?$/;

/**
 * Parse an address string.
 *
 * @example
 * ```ts
 * parseAddress('tcp://127.0.0.1:0');   // { kind: 'inet', scheme: 'tcp', host: '127.0.0.1', port: 0, path: '/' }
 * parseAddress('unix:/tmp/app.sock');  // { kind: 'unix', scheme: 'unix', path: '/tmp/app.sock' }
 * ```
 * @throws {@link AddressError} when the string is not one of those forms.
 */
export function parseAddress(text: string): Address {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length === 0) throw new AddressError(text, 'empty socket path');
    return { kind: 'unix', scheme: 'unix', path };
  }
  const m = INET.exec(text);
  if (m === null) throw new AddressError(text, 'expected scheme://host:port[/path] or unix:/path');
  const [, scheme, rawHost, rawPort, path] = m as unknown as [string, string, string, string, string | undefined];
  const port = Number(rawPort);
  if (port > 65535) throw new AddressError(text, `port ${port} out of range`);
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  return { kind: 'inet', scheme, host, port, path: path ?? '/' };
}

/** Format an address back into its string form (IPv6 hosts in brackets). */
export function formatAddress(address: Address): string {
  // Joined rather than concatenated: the result is one flat string, not a chain of string pieces,
  // and a server keeps one of these per connection.
  if (address.kind === 'unix') return ['unix:', address.path].join('');
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return [address.scheme, '://', host, ':', address.port, address.path === '/' ? '' : address.path].join('');
}
