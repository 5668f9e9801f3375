import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { nodeOfPeer } from '@rxmsg/node';
import { within } from '@rxmsg/test-utils';

const ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * The ping-pong server as a 2-worker cluster (src/cluster.ts): started, 4 matches played against
 * the shared port, snapshot of both workers, graceful close, clean exit. Real processes (the
 * primary and its workers under ts-node), so the timeout is generous.
 */
describe('ping-pong cluster (npm run cluster)', function () {
  this.timeout(180_000);

  it('serves matches from 2 workers on one port, then closes and exits 0', async () => {
    const child = spawn(process.execPath, ['--conditions=@rxmsg/source', '-r', 'ts-node/register/transpile-only', join(ROOT, 'examples', 'ping-pong', 'src', 'cluster.ts'), '--listen', 'tcp://127.0.0.1:0', '--play', '4'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
    const code = await within(new Promise<number | null>((resolve) => child.once('exit', resolve)), 170_000, 'the cluster example to finish').catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    expect(code, out).to.equal(0);
    expect(out).to.match(/ping-pong cluster: 2 workers listening on tcp:\/\/127\.0\.0\.1:\d+/);
    expect(out).to.include('workers answering: 2');
    expect(out).to.include('matches finished cleanly: 4 of 4');
  });

  it('gives the peers of each worker ids that name that worker (the rooms use the cluster adapter)', async () => {
    const child = spawn(process.execPath, ['--conditions=@rxmsg/source', '-r', 'ts-node/register/transpile-only', join(ROOT, 'examples', 'ping-pong', 'test', 'fixtures', 'cluster-peer-ids.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const code = await within(new Promise<number | null>((resolve) => child.once('exit', resolve)), 170_000, 'the peer-id fixture to finish').catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    expect(code, out + err).to.equal(0);
    const held = JSON.parse(out.trim().split('\n').pop()!) as { node: number; ids: number[] }[];
    const ids = held.flatMap((w) => w.ids);
    expect(ids).to.have.length(4);
    expect(new Set(ids).size, JSON.stringify(held)).to.equal(4);
    for (const w of held) for (const id of w.ids) expect(nodeOfPeer(id), JSON.stringify(held)).to.equal(w.node);
  });
});
