import { lastValueFrom } from 'rxjs';
import { createClient, pull, type ClientProcessor } from '@rxmsg/node';
import { TableProtocol } from './table-protocol';

/** What a client read of one result. */
export interface FetchResult {
  /** Rows received. */
  readonly rows: number;
  /** Whether their ids came in order, 0, 1, 2... */
  readonly inOrder: boolean;
}

/**
 * Connect, query `n` rows and read them all, then close. The client's processor is an async
 * generator too: it yields its query, then reads the rows with `pull(incoming$)`.
 * @throws the error the connection ended with, e.g. a `ConnectError` when nobody listens.
 */
export async function fetchRows(address: string, n: number): Promise<FetchResult> {
  let rows = 0;
  let inOrder = true;
  const processor: ClientProcessor<typeof TableProtocol> = async function* (incoming$) {
    yield { kind: 'Query', stream: 0, n } as const;
    if (n === 0) return;
    for await (const row of pull(incoming$)) {
      if (row.id !== rows) inOrder = false;
      if (++rows === n) return;
    }
  };
  const client = createClient({ connect: address, protocol: TableProtocol, processor });
  const last = await lastValueFrom(client.status$);
  if (last.state === 'closed' && last.error !== undefined) throw last.error;
  return { rows, inOrder };
}
