/** The parts of an `soe://host:port[/applicationProtocol]` address. */
import { AddressError, formatAddress, type Address } from '@rxmsg/core';

/** The application protocol of an `soe://` address without a path. */
export const DEFAULT_SOE_APPLICATION_PROTOCOL = 'rxmsg';

/** An `soe://` address taken apart. */
export interface SoeAddress {
  readonly host: string;
  readonly port: number;
  /** The name in `SessionRequest`: the path without its `/`, URI-decoded; {@link DEFAULT_SOE_APPLICATION_PROTOCOL} when none. */
  readonly applicationProtocol: string;
}

/**
 * Reads an `soe://` address: `soe://127.0.0.1:4000` (application protocol `rxmsg`) or
 * `soe://127.0.0.1:4000/ExternalGameApi_3` (the path names the application protocol).
 * @throws AddressError for another scheme or a bad application protocol name.
 */
export function soeAddressOf(address: Address): SoeAddress {
  if (address.kind !== 'inet' || address.scheme !== 'soe') throw new AddressError(formatAddress(address), 'expected soe://host:port[/applicationProtocol]');
  let name = DEFAULT_SOE_APPLICATION_PROTOCOL;
  if (address.path !== '/') {
    try {
      name = decodeURIComponent(address.path.slice(1));
    } catch {
      throw new AddressError(formatAddress(address), 'the application protocol is not valid URI encoding');
    }
    if (name.length === 0 || name.length > 255 || name.includes('\0') || name.includes('/')) {
      throw new AddressError(formatAddress(address), 'the application protocol must be 1–255 characters, without NUL or /');
    }
  }
  return { host: address.host, port: address.port, applicationProtocol: name };
}

/** Formats `soe://host:port[/name]` (the path only for a name other than the default). */
export function formatSoeAddress(host: string, port: number, applicationProtocol?: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const path = applicationProtocol === undefined || applicationProtocol === DEFAULT_SOE_APPLICATION_PROTOCOL ? '' : `/${encodeURIComponent(applicationProtocol)}`;
  return `soe://${h}:${port}${path}`;
}
