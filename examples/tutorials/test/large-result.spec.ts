import { expect } from 'chai';
import type { ServerEvent } from '@rxmsg/node';
import { cursorProcessor, fetchRows, fetchStreams, pacedProcessor, startTableServer, streamsProcessor } from '@rxmsg-examples/tutorials';

const LOOPBACK = 'tcp://127.0.0.1:0';
/** Events that mean a producer met a safety net instead of the reader's demand. */
const SAFETY_NETS: ReadonlySet<string> = new Set(['send-queue-full', 'message-dropped', 'processor-error']);

/** Start a table server with `processor`, keeping its events; closed after each test. */
async function serve(processor: Parameters<typeof startTableServer>[1], closers: (() => Promise<void>)[]) {
  const server = await startTableServer(LOOPBACK, processor);
  const events: ServerEvent[] = [];
  const sub = server.events$.subscribe((e) => events.push(e));
  closers.push(async () => {
    sub.unsubscribe();
    await server.close();
  });
  return { address: server.addresses()[0]!, events };
}

describe('tutorial 3: sending a large result', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  for (const { name, processor, n } of [
    { name: 'an async generator (cursorProcessor)', processor: cursorProcessor, n: 200_000 },
    { name: 'an Observable paced by the peer (pacedProcessor)', processor: pacedProcessor, n: 100_000 },
  ]) {
    it(`sends ${n} rows from ${name}, every one in order, without meeting the send-queue limit`, async function () {
      this.timeout(60_000);
      const { address, events } = await serve(processor, closers);
      expect(await fetchRows(address, n)).to.deep.equal({ rows: n, inOrder: true });
      expect(events.filter((e) => SAFETY_NETS.has(e.type))).to.deep.equal([]);
    });
  }

  it('answers an empty query with no rows', async () => {
    const { address } = await serve(cursorProcessor, closers);
    expect(await fetchRows(address, 0)).to.deep.equal({ rows: 0, inOrder: true });
  });

  it('reads two results on one connection, each on its own stream: a slow reader of one does not hold up the other', async function () {
    this.timeout(60_000);
    const { address, events } = await serve(streamsProcessor, closers);
    // #region two-streams
    const fast: number[] = [];
    const slow: number[] = [];
    await fetchStreams(address, [
      // The slow reader waits a turn of the event loop for every row.
      { stream: 1, n: 2_000, onRow: (id) => new Promise<void>((resolve) => setImmediate(() => (slow.push(id), resolve()))) },
      { stream: 2, n: 50_000, onRow: (id) => void fast.push(id) },
    ]);
    expect(fast.every((id, k) => id === k) && fast.length === 50_000).to.equal(true);
    expect(slow.every((id, k) => id === k) && slow.length === 2_000).to.equal(true);
    // #endregion
    expect(events.filter((e) => SAFETY_NETS.has(e.type))).to.deep.equal([]);
  });
});
