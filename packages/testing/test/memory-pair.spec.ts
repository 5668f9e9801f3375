import { expect } from 'chai';
import { firstValueFrom, toArray } from 'rxjs';
import { ConfigError, DecodeError, TransportError, type RxmsgError } from '@rxmsg/core';
import type { ClientEvent, ServerEvent } from '@rxmsg/runtime';
import { memoryPair, type FaultPlan } from '@rxmsg/testing';
import { Echo, pings, pong, sendAndWait } from './support/echo-protocol';

/** The pongs a client gets for `count` pings, through a pair with `faults`. */
async function exchange(count: number, faults?: FaultPlan) {
  const pair = await memoryPair({ protocol: Echo, processor: pong, client: { processor: sendAndWait(pings(count)) }, ...(faults === undefined ? {} : { faults }) });
  const replies = firstValueFrom(pair.client.messages$.pipe(toArray()));
  const serverEvents: ServerEvent[] = [];
  pair.server.events$.subscribe((e) => serverEvents.push(e));
  await pair.client.closed;
  const got = await replies;
  await pair.close();
  return { got, pair, serverEvents };
}

describe('memoryPair', () => {
  it('connects a server and a client in memory: the pings come back as pongs, in order', async () => {
    const { got, pair } = await exchange(5);
    expect(got).to.deep.equal(pings(5).map((p) => ({ ...p, kind: 'Pong' })));
    expect(pair.address).to.match(/^memory:\/\/pair:\d+/);
    expect(pair.faulty).to.equal(undefined);
  });

  it('split at every byte on the server side: the server reads one byte at a time and decodes the same messages', async () => {
    const plain = await exchange(20);
    const split = await exchange(20, ({ side }) => (side === 'listen' ? { split: 'every-byte' } : undefined));
    expect(split.got).to.deep.equal(plain.got);
    const stats = split.pair.faulty!.stats;
    // Every byte the server read came alone.
    expect(stats.chunksDelivered).to.equal(stats.bytesDelivered);
    expect(stats.bytesDelivered).to.be.greaterThan(20 * 20);
  });

  it('random cuts both ways decode the same messages', async () => {
    const plain = await exchange(30);
    const cut = await exchange(30, { split: { maxChunk: 7 } });
    expect(cut.got).to.deep.equal(plain.got);
    expect(cut.pair.faulty!.stats.splits).to.be.greaterThan(0);
  });

  it('a corrupted byte reaches the server as a decode-error event, and the connection is closed by the policy', async () => {
    const { got, serverEvents, pair } = await exchange(3, ({ side }) => (side === 'listen' ? { corrupt: { offset: 1 } } : undefined));
    const decode = serverEvents.find((e) => e.type === 'decode-error');
    expect(decode?.type === 'decode-error' && decode.error).to.be.instanceOf(DecodeError);
    expect(decode?.type === 'decode-error' && decode.error.code).to.equal('MESSAGE_MALFORMED');
    expect(decode?.type === 'decode-error' && decode.action).to.equal('disconnect');
    const gone = serverEvents.find((e) => e.type === 'disconnected');
    expect(gone?.type === 'disconnected' && gone.reason).to.equal('decode-error');
    expect(got).to.deep.equal([]);
    expect(pair.faulty!.stats.corruptions).to.equal(1);
  });

  it('a drop after N bytes written by the client: the client closes with a TransportError, the server sees it go', async () => {
    const pair = await memoryPair({
      protocol: Echo,
      processor: pong,
      client: { processor: sendAndWait(pings(10)) },
      faults: ({ side }) => (side === 'connect' ? { dropAfter: { bytes: 50, direction: 'write' } } : undefined),
    });
    const clientEvents: ClientEvent[] = [];
    pair.client.events$.subscribe((e) => clientEvents.push(e));
    const serverEvents: ServerEvent[] = [];
    pair.server.events$.subscribe((e) => serverEvents.push(e));
    await pair.client.closed.catch(() => undefined);
    const closed = clientEvents.find((e) => e.type === 'closed');
    const error: RxmsgError | undefined = closed?.type === 'closed' ? closed.error : undefined;
    expect(error).to.be.instanceOf(TransportError);
    await pair.close();
    const gone = serverEvents.find((e) => e.type === 'disconnected');
    // The server read exactly the bytes sent before the drop point.
    expect(gone?.type === 'disconnected' && gone.stats.bytesIn).to.equal(50);
  });

  it('close() is safe to call twice', async () => {
    const pair = await memoryPair({ protocol: Echo, processor: pong });
    await Promise.all([pair.close(), pair.close()]);
  });

  it('rejects a bad server config with a ConfigError, and a bad client config too, leaving nothing open', async () => {
    let error: unknown;
    await memoryPair({ protocol: Echo, processor: pong, config: { maxFrameBytes: -1 } }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ConfigError);
    error = undefined;
    await memoryPair({ protocol: Echo, processor: pong, client: { config: { connectTimeoutMs: -5 } } }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ConfigError);
  });

  it('a plan function returning bad faults for the listen side: close() rejects with the ConfigError naming the field (and the server counted ACCEPT_FAILED)', async () => {
    let asked!: () => void;
    const askedForListen = new Promise<void>((resolve) => (asked = resolve));
    const plan: FaultPlan = ({ side }) => {
      if (side !== 'listen') return undefined;
      asked();
      return { split: 'every-other' } as never; // not a SplitFault: what a typo in a test looks like
    };
    const pair = await memoryPair({ protocol: Echo, processor: pong, client: { processor: sendAndWait(pings(1)) }, faults: plan });
    await askedForListen; // the accept happened (maybe before memoryPair resolved): the error is kept
    expect(pair.server.snapshot().listenerErrors).to.have.property('ACCEPT_FAILED').that.is.greaterThan(0);
    let error: unknown;
    await pair.close().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).to.contain('split:');
    // Both ends are closed even so, and a second close() says the same.
    expect(await pair.close().then(() => 'resolved', (e: unknown) => e)).to.equal(error);
  });

  it('a plan function that throws on the connect side: close() rejects with that error', async () => {
    const boom = new Error('plan bug');
    let asked!: () => void;
    const askedForConnect = new Promise<void>((resolve) => (asked = resolve));
    const pair = await memoryPair({
      protocol: Echo,
      processor: pong,
      faults: ({ side }) => {
        if (side === 'connect') {
          asked();
          throw boom;
        }
        return undefined;
      },
    });
    await askedForConnect;
    expect(await pair.close().then(() => 'resolved', (e: unknown) => e)).to.equal(boom);
  });
});
