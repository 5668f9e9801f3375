import { startHelloServer } from './server';

/**
 * Run the hello server until Ctrl-C (or SIGTERM), for trying it by hand:
 * `npm run serve -w @rxmsg-examples/hello` listens on tcp://127.0.0.1:4000 (another address as
 * the first argument), then `printf '{"kind":"Hello","name":"nc"}\n' | nc 127.0.0.1 4000`.
 */
async function serve(listen: string): Promise<void> {
  const server = await startHelloServer(listen);
  console.log(`hello server listening on ${server.addresses().join(', ')} (Ctrl-C stops it)`);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void server.close().then(() => console.log('server closed'));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

serve(process.argv[2] ?? 'tcp://127.0.0.1:4000').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
