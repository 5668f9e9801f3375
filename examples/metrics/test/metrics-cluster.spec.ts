import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { RawSocket, within } from '@rxmsg/test-utils';
import { parseSamples, scrape, valueOf, type Sample } from './prometheus-text';

const ROOT = join(__dirname, '..', '..', '..');
type FromPrimary = { ready?: { address: string; metricsUrl: string }; failed?: string; closed?: boolean };

/** Scrapes until `check` holds: bounded polling of a live endpoint, no fixed sleep before an assertion. */
async function scrapeUntil(url: string, check: (s: Sample[]) => boolean, what: string, ms = 30_000): Promise<Sample[]> {
  const deadline = Date.now() + ms;
  let last: Sample[] = [];
  for (;;) {
    last = parseSamples(await scrape(url));
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last.filter((s) => s.name.startsWith('rxmsg_') && s.value > 0))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('metrics example in cluster mode: workers merged by AggregatorRegistry', function () {
  this.timeout(240_000);
  let child: ChildProcess | undefined;
  const sockets: RawSocket[] = [];

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    // A send to a primary that already died fails: its exit (or the kill below) ends the test anyway.
    if (c.connected) c.send({ close: true }, (error) => error !== null && c.kill('SIGKILL'));
    await within(exited, 60_000, 'the primary to exit').catch(() => c.kill('SIGKILL'));
  });

  it('serves one /metrics for two workers: traffic of every connection, handler latency, disconnects', async () => {
    const c = spawn(process.execPath, ['--conditions=@rxmsg/source', '-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures', 'cluster-primary.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = c;
    const first = await within(
      new Promise<FromPrimary>((resolve) => {
        c.once('message', (m: FromPrimary) => resolve(m));
        c.once('exit', (code) => resolve({ failed: `the primary exited with ${code}` }));
      }),
      150_000,
      'the cluster to start',
    );
    if (first.ready === undefined) throw new Error(`the cluster failed: ${first.failed}`);
    const { address, metricsUrl } = first.ready;

    const CONNECTIONS = 4;
    for (let i = 0; i < CONNECTIONS; i++) {
      const s = await RawSocket.connect(address);
      sockets.push(s);
      await s.write(`{"kind":"Put","key":"k${i}","value":"v","rid":1}\n{"kind":"Get","key":"k${i}","rid":2}\n`);
    }
    for (const s of sockets) expect(await s.lineCount(2, 30_000)).to.have.length(2);
    const open = await scrapeUntil(metricsUrl, (s) => valueOf(s, 'rxmsg_connections', { protocol: 'store' }) === CONNECTIONS, 'every connection to show');
    expect(valueOf(open, 'rxmsg_connections_opened_total')).to.equal(CONNECTIONS);
    expect(valueOf(open, 'rxmsg_messages_received_total')).to.equal(2 * CONNECTIONS);
    expect(valueOf(open, 'rxmsg_messages_sent_total')).to.equal(2 * CONNECTIONS);
    expect(valueOf(open, 'rxmsg_request_handler_seconds_count', { request: 'Get' })).to.equal(CONNECTIONS);

    for (const s of sockets) s.end();
    const closed = await scrapeUntil(metricsUrl, (s) => valueOf(s, 'rxmsg_disconnects_total') === CONNECTIONS, 'every disconnect');
    expect(valueOf(closed, 'rxmsg_connections')).to.equal(0);
    expect(valueOf(closed, 'rxmsg_messages_received_total')).to.equal(2 * CONNECTIONS);
  });
});
