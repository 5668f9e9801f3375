import { expect } from 'chai';
import { NEVER, Subject, filter, finalize, firstValueFrom, map, take, tap } from 'rxjs';
import { z } from 'zod';
import { ClosedError, defineProtocol, type Peer } from '@rxmsg/core';
import { consume, createSessionHost, type HostedSession, type SessionHost, type SessionHostEvent } from '@rxmsg/runtime';

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  codec: 'text',
  client: { Say: z.object({ text: z.string().max(100) }) },
  server: {
    Echo: z.object({ text: z.string() }),
    Heard: z.object({ from: z.number(), text: z.string() }),
    Error: z.object({ code: z.string() }),
  },
  errorReplies: { server: (error) => ({ kind: 'Error', code: error.code }) },
});

type Out = { kind: 'Echo'; text: string } | { kind: 'Heard'; from: number; text: string } | { kind: 'Error'; code: string };
const encoder = new TextEncoder();
const say = (text: string): Uint8Array => encoder.encode(`${JSON.stringify({ kind: 'Say', text })}\n`);

/** A `send` that collects whole lines, parsed. */
function inbox(): { send: (bytes: Uint8Array) => void; messages: Out[] } {
  const decoder = new TextDecoder();
  let partial = '';
  const messages: Out[] = [];
  return {
    messages,
    send: (bytes) => {
      partial += decoder.decode(bytes, { stream: true });
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) messages.push(JSON.parse(l) as Out);
    },
  };
}

/** A chat host: echoes each Say and tells every other session about it. */
async function chatHost(config: { readonly onDecodeError?: 'reply' | 'disconnect' } = {}) {
  const peers = new Set<Peer<{ kind: 'Say'; text: string }, Out, unknown>>();
  const host = await createSessionHost({
    protocol: Chat,
    processor: (in$, peer) => {
      peers.add(peer);
      return in$.pipe(
        tap((m) => {
          for (const p of peers) if (p !== peer) p.send({ kind: 'Heard', from: peer.id, text: m.text });
        }),
        map((m) => ({ kind: 'Echo', text: m.text }) as const),
        finalize(() => peers.delete(peer)),
      );
    },
    config: { onDecodeError: config.onDecodeError ?? 'reply', flushTimeoutMs: 5000 } as const,
    logger: { error: () => {} },
  });
  return host;
}

describe('createSessionHost', () => {
  let host: SessionHost<unknown> | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('feeds requests through the codec and processor and hands the replies to send', async () => {
    host = await chatHost();
    const a = inbox();
    const session = host.session(a.send);
    await session.handleRequest(say('hi'));
    // One frame split over two calls, and two frames in one.
    const bytes = say('split');
    await session.handleRequest(bytes.subarray(0, 5));
    await session.handleRequest(bytes.subarray(5));
    await session.handleRequest(new Uint8Array([...say('x'), ...say('y')]));
    await session.poll();
    expect(a.messages).to.deep.equal([
      { kind: 'Echo', text: 'hi' },
      { kind: 'Echo', text: 'split' },
      { kind: 'Echo', text: 'x' },
      { kind: 'Echo', text: 'y' },
    ]);
    expect(session.peerId).to.be.a('number');
    await session.close();
    expect(session.closed).to.equal(true);
  });

  it('delivers what a processor sends to other sessions to their own send', async () => {
    host = await chatHost();
    const a = inbox();
    const b = inbox();
    const sa = host.session(a.send);
    const sb = host.session(b.send);
    await sa.handleRequest(say('to all'));
    await host.poll();
    expect(a.messages).to.deep.equal([{ kind: 'Echo', text: 'to all' }]);
    expect(b.messages).to.deep.equal([{ kind: 'Heard', from: sa.peerId, text: 'to all' }]);
    await Promise.all([sa.close(), sb.close()]);
  });

  it('applies the decode policy: reply keeps the session, disconnect closes it', async () => {
    host = await chatHost({ onDecodeError: 'reply' });
    const a = inbox();
    const session = host.session(a.send);
    await session.handleRequest(encoder.encode('{"kind":"Nope"}\n'));
    await session.poll();
    expect(a.messages).to.deep.equal([{ kind: 'Error', code: 'MESSAGE_UNKNOWN' }]);
    await session.close();
    await host.close();

    host = await chatHost({ onDecodeError: 'disconnect' });
    const disconnected = firstValueFrom(host.events$.pipe(filter((e) => e.type === 'disconnected')));
    const b = host.session(inbox().send);
    await b.handleRequest(encoder.encode('not json\n'));
    const event = await disconnected;
    expect(event).to.include({ type: 'disconnected', peerId: b.peerId, reason: 'decode-error' });
    await b.close();
    expect(b.closed).to.equal(true);
    await b.handleRequest(say('after')).then(
      () => expect.fail('accepted after close'),
      (error: unknown) => expect(error).to.be.instanceOf(ClosedError),
    );
  });

  it('contains a send that throws: a typed event, and that session closes', async () => {
    host = await chatHost();
    const failed = firstValueFrom(host.events$.pipe(filter((e) => e.type === 'session-send-failed')));
    const broken = host.session(() => {
      throw new Error('sink gone');
    });
    const fine = inbox();
    const other = host.session(fine.send);
    await broken.handleRequest(say('boom'));
    const event = await failed;
    expect(event).to.include({ sessionId: broken.id });
    expect(event.type === 'session-send-failed' && event.error.code).to.equal('CALLBACK_FAILED');
    await host.poll();
    expect(broken.closed).to.equal(true);
    await other.handleRequest(say('still here'));
    await other.poll();
    expect(fine.messages).to.deep.equal([
      { kind: 'Heard', from: broken.peerId, text: 'boom' },
      { kind: 'Echo', text: 'still here' },
    ]);
    await other.close();
  });

  it('holds handleRequest back while the server does not read (backpressure), and goes on once it does', async () => {
    const release = new Subject<void>();
    host = await createSessionHost({
      protocol: Chat,
      // One message at a time, each held until released: with receiveQueueLimit 1 the server stops reading.
      processor: (in$) => in$.pipe(consume((m) => release.pipe(take(1), map(() => ({ kind: 'Echo', text: m.text }) as const)), 1)),
      config: { receiveQueueLimit: 1 } as const,
      highWaterMark: 256,
    });
    const a = inbox();
    const session = host.session(a.send);
    const settled: boolean[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const p = session.handleRequest(say(`m${i}`));
      settled.push(false);
      calls.push(p.then(() => void (settled[i] = true)));
    }
    await session.poll();
    // 40 requests of ~27 bytes are more than 256: the last ones wait for room.
    expect(settled[39]).to.equal(false);
    const sub = release.subscribe();
    for (let i = 0; i < 40 && a.messages.length < 40; i++) {
      release.next();
      await session.poll();
    }
    await Promise.all(calls);
    sub.unsubscribe();
    expect(a.messages.map((m) => (m.kind === 'Echo' ? m.text : ''))).to.deep.equal(Array.from({ length: 40 }, (_, i) => `m${i}`));
    await session.close();
  });

  it('closes with await using', async () => {
    host = await chatHost();
    let kept: HostedSession | undefined;
    {
      await using session = host.session(inbox().send);
      kept = session;
      await session.handleRequest(say('scoped'));
    }
    expect(kept.closed).to.equal(true);
    expect(host.snapshot().connections).to.have.length(0);
  });

  it('refuses new sessions once closed', async () => {
    const h = await chatHost();
    const open = h.session(inbox().send);
    await h.close();
    expect(open.closed).to.equal(true);
    expect(() => h.session(() => {})).to.throw(ClosedError);
  });

  it('reports a session dropped without close() once, through the logger and an event, and releases it', async () => {
    const logged: { message: string; details: object }[] = [];
    host = await createSessionHost({
      protocol: Chat,
      processor: () => NEVER,
      logger: { error: (message, details) => logged.push({ message, details }) },
    });
    const events: SessionHostEvent[] = [];
    const sub = host.events$.subscribe((e) => events.push(e));
    const open = (h: SessionHost<unknown>): number => h.session(() => {}).id; // the session is dropped here
    const id = open(host);
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('run with --expose-gc');
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'session-leaked'); i++) {
      gc();
      await new Promise(setImmediate);
    }
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'disconnected'); i++) await new Promise(setImmediate);
    sub.unsubscribe();
    const leaks = events.filter((e) => e.type === 'session-leaked');
    expect(leaks).to.have.length(1);
    const leak = leaks[0]!;
    expect(leak.type === 'session-leaked' && leak.sessionId).to.equal(id);
    expect(leak.type === 'session-leaked' && leak.createdAt).to.include('session-host.spec');
    expect(logged).to.have.length(1);
    expect(logged[0]!.details).to.include({ sessionId: id });
    expect(events.some((e) => e.type === 'disconnected')).to.equal(true);
    expect(host.snapshot().connections).to.have.length(0);
  });
});
