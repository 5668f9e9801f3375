/**
 * `npm run poke -w @rxmsg-examples/metrics [address]`: some traffic for the example to count. Sends a
 * Put, a Get, a line of bad JSON and a `$cancel` for no request over one TCP connection, prints the
 * replies, and ends the connection.
 */
import { connect } from 'node:net';

const address = new URL((process.argv[2] ?? 'tcp://127.0.0.1:4000').replace(/^tcp:/, 'http:'));
const socket = connect({ host: address.hostname, port: Number(address.port) }, () => {
  socket.write('{"kind":"Put","key":"a","value":"1","rid":1}\n{"kind":"Get","key":"a","rid":2}\nnot json\n{"kind":"$cancel","rid":99}\n');
});
let text = '';
socket.setEncoding('utf8').on('data', (chunk: string) => {
  text += chunk;
  // Two replies expected: then end our side, and the server ends its own.
  if (text.split('\n').length > 2) {
    process.stdout.write(text);
    socket.end();
  }
});
socket.on('error', (error) => {
  console.error(`poke: ${error.message}`);
  process.exitCode = 1;
});
