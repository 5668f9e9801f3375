import { filter, firstValueFrom, take, toArray } from 'rxjs';
import type { ServerMessage } from '@rxmsg/node';
import { connectKvClient } from './kv-client';
import type { KvProtocol } from './kv-protocols';
import { startKvServer } from './kv-server';

/**
 * Start the server on loopback, connect a client, and send two kv messages at once, before the
 * login is done: they wait for the kv stage, then go out as MessagePack frames.
 * @returns the `Value` the server answered.
 */
export async function kvDemo(): Promise<ServerMessage<typeof KvProtocol>[]> {
  const server = await startKvServer('tcp://127.0.0.1:0', new Map([['ada', 'lovelace']]));
  const client = connectKvClient(server.addresses()[0]!, 'ada', 'lovelace');
  const values = firstValueFrom(
    client.messages$.pipe(
      filter((m) => m.op === 'Value'),
      take(1),
      toArray(),
    ),
  );
  client.send({ op: 'Put', key: 'greeting', value: 'hello' }); // a kv message: waits for the kv stage
  client.send({ op: 'Get', key: 'greeting' });
  try {
    return await values;
  } finally {
    await client.close();
    await server.close();
  }
}
