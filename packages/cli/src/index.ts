/**
 * `@rxmsg/cli`: the `rxmsg` command-line tool (`connect`, `listen`, `inspect`) and the admin endpoint
 * `rxmsg inspect` reads, which a server opts into with {@link adminEndpoint}. Importing this module
 * loads no command-line parser: the bin is `dist/bin.js`.
 *
 * @example
 * ```ts
 * import { adminEndpoint } from '@rxmsg/cli';
 * const admin = await adminEndpoint(server, { listen: 'tcp://127.0.0.1:9999', token: process.env.ADMIN_TOKEN! });
 * ```
 * @packageDocumentation
 */
export {
  ADMIN_REQUESTS_PER_SECOND,
  DEFAULT_ADMIN_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_ADMIN_CLIENTS,
  DEFAULT_MAX_CONNECTIONS_LISTED,
  MIN_ADMIN_TOKEN_LENGTH,
  adminEndpoint,
} from './admin-endpoint';
export type { AdminEndpoint, AdminEndpointOptions, AdminEvent, SnapshotSource } from './admin-endpoint';
export {
  ADMIN_REQUEST_MAX_BYTES,
  AdminConnectionSchema,
  AdminProtocol,
  AdminServerSnapshotSchema,
  AdminSnapshotSchema,
  MAX_ADMIN_TOKEN_LENGTH,
} from './admin-protocol';
export type { AdminConnection, AdminServerSnapshot, AdminSnapshot } from './admin-protocol';
export { AdminClient, ADMIN_REPLY_MAX_BYTES } from './admin-client';
export type { AdminReply } from './admin-client';
export { ExitCode } from './exit-codes';
export type { ExitCodeValue } from './exit-codes';
