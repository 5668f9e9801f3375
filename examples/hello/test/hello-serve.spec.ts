import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';

/** `npm run serve` of the hello example, as the README's `nc` sample uses it (on a free port here). */
describe('the hello example served by hand (README: npm run serve, then nc)', () => {
  it('answers the README lines, then stops on SIGTERM', async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'serve.js'), 'tcp://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      const address = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (text: string) => {
          out += text;
          const m = /listening on (tcp:\/\/\S+)/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const url = new URL(address);
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.setEncoding('utf8');
      let replies = '';
      socket.on('data', (text: string) => (replies += text));
      socket.end('{"kind":"Hello","name":"nc"}\n{"kind":"Nope"}\n');
      await once(socket, 'close');
      expect(replies.trim().split('\n').map((l) => JSON.parse(l) as unknown)).to.deep.equal([
        { kind: 'World', greeting: 'Hello, nc!' },
        { kind: 'Error', code: 'MESSAGE_UNKNOWN', message: 'unknown message kind="Nope"' },
      ]);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).to.equal(0);
      expect(out).to.include('server closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
