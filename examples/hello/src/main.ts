import { greet } from './client';
import { startHelloServer } from './server';

/** Run the server and a client on loopback, print the exchange, exit 0 on success. */
async function main(): Promise<void> {
  const server = await startHelloServer('tcp://127.0.0.1:0');
  const address = server.addresses()[0]!;
  console.log(`hello server listening on ${address}`);
  const answer = await greet(address, 'rxmsg');
  console.log(`client got: ${answer}`);
  await server.close();
  console.log('server closed');
  if (answer !== 'Hello, rxmsg!') throw new Error(`unexpected answer: ${answer}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
