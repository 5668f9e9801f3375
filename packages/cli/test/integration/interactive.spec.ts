import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { map } from 'rxjs';
import { createServer, defineProtocol } from '@rxmsg/node';
import { adminEndpoint } from '../../src/admin-endpoint';
import { delay } from '@rxmsg/test-utils';
import { assertBuilt, BIN } from '../support/run-cli';

const run = promisify(execFile);
const Hello = defineProtocol({
  name: 'hello',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }) },
  server: { World: z.object({ greeting: z.string() }) },
});

/** Whether tmux runs here; the interactive tests are skipped (and say so) without it. */
async function hasTmux(): Promise<boolean> {
  return run('tmux', ['-V']).then(
    () => true,
    () => false,
  );
}

describe('rxmsg connect, interactive (under tmux)', function () {
  this.timeout(90_000);
  const socket = `rxmsg-cli-test-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
  let closeServer: (() => Promise<void>) | undefined;

  before(async function () {
    if (!(await hasTmux())) this.skip();
    assertBuilt();
  });
  afterEach(async () => {
    await tmux('kill-server').catch(() => undefined); // already gone when the session ended
    await closeServer?.();
    closeServer = undefined;
  });

  /** The visible text of the pane (escape codes stripped by tmux). */
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'cli', '-S', '-200')).stdout;
  /** Poll the pane until `check` holds, at most `ms` (bounded: 100 ms steps). */
  async function until(check: (text: string) => boolean, what: string, ms = 30_000): Promise<string> {
    for (let waited = 0; ; waited += 100) {
      const text = await screen();
      if (check(text)) return text;
      if (waited > ms) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
      await delay(100);
    }
  }
  const count = (text: string, needle: string) => text.split(needle).length - 1;

  it('sends typed JSON, prints replies, recalls history with the up arrow, and leaves with .quit (exit 0)', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Hello,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `Hello, ${m.name}!` }) as const)),
    });
    closeServer = () => server.close();
    const command = `"${process.execPath}" "${BIN}" connect ${server.addresses()[0]!}; echo "exit=$?"; sleep 600`;
    await tmux('new-session', '-d', '-s', 'cli', '-x', '160', '-y', '40', command);
    await until((t) => t.includes('.quit to leave'), 'the banner');

    await tmux('send-keys', '-t', 'cli', '-l', '{"kind":"Hello","name":"Ada"}');
    await tmux('send-keys', '-t', 'cli', 'Enter');
    await until((t) => count(t, '< {"kind":"World","greeting":"Hello, Ada!"}') === 1, 'the first reply');

    await tmux('send-keys', '-t', 'cli', 'Up', 'Enter'); // history: the same message again
    await until((t) => count(t, '< {"kind":"World","greeting":"Hello, Ada!"}') === 2, 'the reply to the recalled line');

    await tmux('send-keys', '-t', 'cli', '-l', '{nope');
    await tmux('send-keys', '-t', 'cli', 'Enter');
    await until((t) => t.includes('! not JSON'), 'the parse error');

    await tmux('send-keys', '-t', 'cli', '-l', '.quit');
    await tmux('send-keys', '-t', 'cli', 'Enter');
    const text = await until((t) => /exit=\d+/.test(t), 'the exit');
    expect(/exit=(\d+)/.exec(text)![1]).to.equal('0');
  });

  it('inspect refreshes like top on a terminal and quits on q (exit 0)', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Hello, processor: (in$) => in$.pipe(map(() => ({ kind: 'World', greeting: '' }) as const)) });
    const admin = await adminEndpoint(server, { listen: 'tcp://127.0.0.1:0', token: 'a-token-long-enough-for-tests' });
    closeServer = async () => {
      await admin.close();
      await server.close();
    };
    const command = `RXMSG_ADMIN_TOKEN=a-token-long-enough-for-tests "${process.execPath}" "${BIN}" inspect ${admin.addresses()[0]!} --interval 100; echo "exit=$?"; sleep 600`;
    await tmux('new-session', '-d', '-s', 'cli', '-x', '160', '-y', '40', command);
    await until((t) => t.includes('q to quit') && t.includes(`listener ${server.addresses()[0]!}`), 'the live view');
    // The screen is cleared between refreshes: the visible pane holds one view (history may keep older ones).
    const visible = (await tmux('capture-pane', '-p', '-t', 'cli')).stdout;
    expect(count(visible, 'rxmsg inspect ')).to.equal(1);
    await tmux('send-keys', '-t', 'cli', 'q');
    const text = await until((t) => /exit=\d+/.test(t), 'the exit');
    expect(/exit=(\d+)/.exec(text)![1]).to.equal('0');
  });
});
