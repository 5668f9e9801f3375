/** The hello example: protocol, server and client. */
export { HelloProtocol } from './protocol.js';
export { helloServerProcessor, startHelloServer } from './server.js';
export { greet, helloClientProcessor } from './client.js';
