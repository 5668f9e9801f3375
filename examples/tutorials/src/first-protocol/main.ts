import { startChatServer } from './start-server';

/** Run the chat room on the port given as first argument (4000 by default) until Ctrl-C. */
async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? '4000');
  const server = await startChatServer(`tcp://127.0.0.1:${port}`);
  console.log(`chat room listening on ${server.addresses().join(', ')}`);
  process.once('SIGINT', () => {
    void server.close().then(() => console.log('chat room closed'));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
