import { createServer, type ServerProcessor } from '@rxmsg/node';
import { TableProtocol } from './table-protocol';

/**
 * Start a table server answering queries with `processor`.
 * @param listen - e.g. `tcp://127.0.0.1:0` (port 0: any free port; see `server.addresses()`).
 */
export function startTableServer(listen: string, processor: ServerProcessor<typeof TableProtocol>) {
  return createServer({ listen, protocol: TableProtocol, processor });
}
