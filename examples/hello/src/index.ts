/** The hello example: protocol, server and client. */
export { HelloProtocol } from './protocol';
export { helloServerProcessor, startHelloServer } from './server';
export { greet, helloClientProcessor } from './client';
export { startHelloWorker } from './worker/hello-worker-transport';
export type { HelloWorker } from './worker/hello-worker-transport';
