import { expect } from 'chai';
import { RawSocket, delay } from '@rxmsg/test-utils';
import { startMetricsExample, type MetricsExample } from '@rxmsg-examples/metrics';
import { parseSamples, scrape, valueOf, type Sample } from './prometheus-text';

/** Scrapes until `check` holds (the counters follow events, which follow the socket): bounded polling, no fixed sleep. */
async function scrapeUntil(url: string, check: (s: Sample[]) => boolean, what: string, ms = 10_000): Promise<Sample[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const samples = parseSamples(await scrape(url));
    if (check(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('metrics example: /metrics over HTTP after real traffic over TCP', () => {
  let ex: MetricsExample | undefined;
  let socket: RawSocket | undefined;

  afterEach(async () => {
    socket?.destroy();
    socket = undefined;
    await ex?.close();
    ex = undefined;
  });

  it('serves the metrics, and messages, bytes, decode errors, drops, disconnects and handler latency move', async () => {
    ex = await startMetricsExample();
    const before = parseSamples(await scrape(ex.metricsUrl));
    const listener = ex.address;
    expect(valueOf(before, 'rxmsg_connections', { listener })).to.equal(0);
    expect(valueOf(before, 'rxmsg_messages_received_total')).to.equal(0);

    socket = await RawSocket.connect(ex.address);
    await socket.write('{"kind":"Put","key":"a","value":"1","rid":1}\n{"kind":"Get","key":"a","rid":2}\n');
    const replies = await socket.lineCount(2);
    expect(replies.map((l) => JSON.parse(l) as unknown)).to.deep.equal([
      { kind: 'Ok', rid: 1 },
      { kind: 'Value', key: 'a', value: '1', rid: 2 },
    ]);
    const open = await scrapeUntil(ex.metricsUrl, (s) => valueOf(s, 'rxmsg_connections', { listener, protocol: 'store' }) === 1, 'the connection to show');
    expect(valueOf(open, 'rxmsg_connections_opened_total', { listener })).to.equal(1);
    expect(valueOf(open, 'rxmsg_messages_received_total', { listener })).to.equal(2);
    expect(valueOf(open, 'rxmsg_messages_sent_total', { listener })).to.equal(2);
    expect(valueOf(open, 'rxmsg_bytes_received_total', { listener })).to.be.greaterThan(60);
    expect(valueOf(open, 'rxmsg_bytes_sent_total', { listener })).to.be.greaterThan(30);
    expect(valueOf(open, 'rxmsg_request_handler_seconds_count', { request: 'Get', outcome: 'ok' })).to.equal(1);
    expect(valueOf(open, 'rxmsg_request_handler_seconds_count', { request: 'Put', outcome: 'ok' })).to.equal(1);

    // Bad JSON (ignored under onDecodeError: 'ignore'), then a $cancel for no request (dropped, uncorrelated).
    await socket.write('{not json\n{"kind":"$cancel","rid":99}\n');
    await scrapeUntil(
      ex.metricsUrl,
      (s) => valueOf(s, 'rxmsg_decode_errors_total', { protocol: 'store', action: 'ignore' }) === 1 && valueOf(s, 'rxmsg_messages_dropped_total', { direction: 'in', cause: 'uncorrelated' }) === 1,
      'the decode error and the drop',
    );

    socket.end();
    const closed = await scrapeUntil(ex.metricsUrl, (s) => valueOf(s, 'rxmsg_disconnects_total') === 1, 'the disconnect');
    expect(valueOf(closed, 'rxmsg_connections', { listener })).to.equal(0);
    expect(closed.filter((s) => s.name === 'rxmsg_disconnects_total' && s.value === 1).map((s) => s.labels.reason)).to.deep.equal(['completed']);
    // The closed connection's traffic stays counted: the two requests and the $cancel (decoded, then dropped).
    expect(valueOf(closed, 'rxmsg_messages_received_total', { listener })).to.equal(3);
    expect(valueOf(closed, 'rxmsg_bytes_received_total', { listener })).to.be.greaterThan(valueOf(open, 'rxmsg_bytes_received_total', { listener }));
  });

  it('answers 404 off /metrics', async () => {
    ex = await startMetricsExample();
    const error = await scrape(ex.metricsUrl.replace('/metrics', '/other')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).to.include('HTTP 404');
  });
});
