import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import {
  ResumeRefusedError,
  TimeoutError,
  type ConnectionHandlers,
  type RxmsgError,
} from '@rxmsg/core';
import {
  ResumeFrameDecoder,
  ResumeFrameType,
  encodeAck,
  encodeHello,
  encodeResumeFrame,
  parseWelcome,
  type ResumeFrame,
  type ResumeWelcome,
} from '@rxmsg/core/internal';
import { MemoryConnection } from '@rxmsg/runtime';
import { LINK_LINGER_MS, ResumeRegistry, type ResumableConnection, type ResumeRegistryEvent } from '@rxmsg/runtime/internal';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const WINDOW = 1_000;
const BUFFER = 4_096;

/** Move virtual time on by `ms`, running what falls due. */
function advance(scheduler: VirtualTimeScheduler, ms: number): void {
  const to = scheduler.frame + ms;
  scheduler.maxFrames = to;
  scheduler.flush();
  scheduler.frame = to;
}

/** The client end of a physical connection, speaking the layer's frames by hand. */
class RawClient implements ConnectionHandlers {
  readonly frames: ResumeFrame[] = [];
  closed = false;
  private readonly decoder = new ResumeFrameDecoder(65_536);
  constructor(readonly connection: MemoryConnection) {
    connection.start(this);
  }
  onData(chunk: Uint8Array): void {
    this.decoder.push(chunk);
    for (let f = this.decoder.next(); f !== undefined; f = this.decoder.next()) this.frames.push(f);
  }
  onEnd(): void {}
  onDrain(): void {}
  onClose(): void {
    this.closed = true;
  }
  welcome(): ResumeWelcome {
    const f = this.frames.find((x) => x.type === ResumeFrameType.Welcome);
    if (f === undefined) throw new Error('no welcome');
    return parseWelcome(f.payload);
  }
  data(): number[] {
    return this.frames.filter((f) => f.type === ResumeFrameType.Data).flatMap((f) => [...f.payload]);
  }
}

/** Handlers of a server-side resumable connection, recording what the session above would see. */
function sessionSide(connection: ResumableConnection) {
  const seen = { data: [] as number[], drains: 0, closed: false as boolean, error: undefined as RxmsgError | undefined };
  connection.start({
    onData: (c) => seen.data.push(...c),
    onEnd: () => {},
    onDrain: () => seen.drains++,
    onClose: (error) => {
      seen.closed = true;
      seen.error = error;
    },
  });
  return seen;
}

function setup(options: { handshakeTimeoutMs?: number } = {}) {
  const scheduler = new VirtualTimeScheduler();
  const events: ResumeRegistryEvent[] = [];
  const sessions: ResumableConnection[] = [];
  const registry = new ResumeRegistry({
    resume: { bufferBytes: BUFFER, windowMs: WINDOW },
    scheduler,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 0,
    maxFrameBytes: 1024,
    emit: (e) => events.push(e),
  });
  let n = 0;
  const dial = (): RawClient => {
    const [server, client] = MemoryConnection.pair({ framing: 'stream', highWaterMark: 65_536 }, 'memory://s:1', `memory://c:${++n}`);
    registry.accept(server, (c) => {
      c.peerId = sessions.length + 1;
      sessions.push(c);
    });
    return new RawClient(client);
  };
  /** A new session, started, with its token. */
  const open = async () => {
    const raw = dial();
    raw.connection.write(encodeHello({ kind: 'new' }));
    await settle();
    const welcome = raw.welcome();
    if (welcome.kind !== 'accepted') throw new Error('not accepted');
    const connection = sessions[sessions.length - 1]!;
    return { raw, token: welcome.token, connection, seen: sessionSide(connection) };
  };
  const resumeWith = async (token: Uint8Array, received = 0): Promise<{ raw: RawClient; welcome: ResumeWelcome }> => {
    const raw = dial();
    raw.connection.write(encodeHello({ kind: 'resume', token, received }));
    await settle();
    return { raw, welcome: raw.welcome() };
  };
  return { scheduler, events, sessions, registry, dial, open, resumeWith };
}

describe('ResumeRegistry', () => {
  it('accepts a new session with a random token and runs it', async () => {
    const t = setup();
    const a = await t.open();
    const b = await t.open();
    expect(a.token).to.have.length(24);
    expect(a.token).to.not.deep.equal(b.token);
    expect(t.registry.size).to.equal(2);
    a.raw.connection.write(encodeResumeFrame(ResumeFrameType.Data, Uint8Array.of(7, 8)));
    await settle();
    expect(a.seen.data).to.deep.equal([7, 8]);
  });

  it('resumes a detached session: same connection, replay from the offset the client received', async () => {
    const t = setup();
    const a = await t.open();
    a.connection.write(Uint8Array.of(1, 2, 3));
    await settle();
    expect(a.raw.data()).to.deep.equal([1, 2, 3]);
    a.raw.connection.destroy();
    await settle();
    expect(a.connection.detached).to.equal(true);
    expect(t.events.map((e) => e.type)).to.deep.equal(['link-lost']);
    a.connection.write(Uint8Array.of(4, 5));
    // The client got 2 of the 3 bytes before the blip.
    const { raw, welcome } = await t.resumeWith(a.token, 2);
    expect(welcome).to.deep.equal({ kind: 'resumed', received: 0 });
    expect(raw.data()).to.deep.equal([3, 4, 5]);
    expect(a.connection.detached).to.equal(false);
    expect(t.events.at(-1)).to.deep.include({ type: 'resumed', peerId: 1 });
    expect(a.seen.closed).to.equal(false);
  });

  it('closes a detached session once windowMs passed (virtual time), then refuses it as expired', async () => {
    const t = setup();
    const a = await t.open();
    a.raw.connection.destroy();
    await settle();
    advance(t.scheduler, WINDOW - 1);
    await settle();
    expect(a.seen.closed).to.equal(false);
    advance(t.scheduler, 1);
    await settle();
    expect(a.seen.closed).to.equal(true);
    expect(a.seen.error).to.be.instanceOf(ResumeRefusedError).and.include({ reason: 'expired' });
    expect(t.registry.size).to.equal(0);
    const { raw, welcome } = await t.resumeWith(a.token);
    expect(welcome).to.deep.equal({ kind: 'refused', reason: 'expired' });
    // The refusal ends the link; a peer that never closes its side is cut after the linger time.
    await settle();
    expect(raw.closed).to.equal(false);
    advance(t.scheduler, LINK_LINGER_MS);
    await settle();
    expect(raw.closed).to.equal(true);
  });

  describe('refuses, with the reason on the wire and as an event', () => {
    it('unknown-session: a token it never issued (a restarted server)', async () => {
      const t = setup();
      const { welcome } = await t.resumeWith(new Uint8Array(24).fill(9));
      expect(welcome).to.deep.equal({ kind: 'refused', reason: 'unknown-session' });
      expect(t.events).to.deep.equal([{ type: 'resume-refused', remoteAddress: 'memory://c:1', reason: 'unknown-session' }]);
    });

    it('bad-token: the right id with another secret', async () => {
      const t = setup();
      const a = await t.open();
      const forged = a.token.slice();
      forged[23] = (forged[23] ?? 0) ^ 1;
      const { welcome } = await t.resumeWith(forged);
      expect(welcome).to.deep.equal({ kind: 'refused', reason: 'bad-token' });
      expect(t.events.at(-1)).to.deep.include({ type: 'resume-refused', reason: 'bad-token', peerId: 1 });
      expect(a.seen.closed).to.equal(false);
    });

    it('offset-out-of-range: a client that claims more than was sent', async () => {
      const t = setup();
      const a = await t.open();
      const { welcome } = await t.resumeWith(a.token, 1);
      expect(welcome).to.deep.equal({ kind: 'refused', reason: 'offset-out-of-range' });
    });

    it('closed: a session that ended', async () => {
      const t = setup();
      const a = await t.open();
      a.connection.destroy();
      await settle();
      expect((await t.resumeWith(a.token)).welcome).to.deep.equal({ kind: 'refused', reason: 'closed' });
    });

    it('stopping: after stop(), which also closes the detached sessions', async () => {
      const t = setup();
      const a = await t.open();
      a.raw.connection.destroy();
      await settle();
      t.registry.stop();
      await settle();
      expect(a.seen.error).to.be.instanceOf(ResumeRefusedError).and.include({ reason: 'stopping' });
      expect((await t.resumeWith(a.token)).welcome).to.deep.equal({ kind: 'refused', reason: 'stopping' });
    });

    it('unsupported: a first frame that is not a hello (a client without resumption)', async () => {
      const t = setup();
      const raw = t.dial();
      raw.connection.write('{"kind":"Hello"}\n');
      await settle();
      // A bad frame is a lost link: destroyed at once.
      expect(raw.closed).to.equal(true);
      expect(t.events).to.have.length(1);
      expect(t.events[0]).to.deep.include({ type: 'resume-refused', reason: 'unsupported' });
      expect(t.sessions).to.have.length(0);
    });

    it('unsupported: a data frame before the hello, refused from its header (a handshake never buffers more than a small frame)', async () => {
      const t = setup();
      const raw = t.dial();
      raw.connection.write(Uint8Array.of(0x01, 0, 1, 0, 0));
      await settle();
      expect(raw.closed).to.equal(true);
      expect(t.events[0]).to.deep.include({ type: 'resume-refused', reason: 'unsupported' });
      expect(t.registry.handshaking).to.equal(0);
    });

    it('unsupported: no hello within handshakeTimeoutMs (virtual time)', async () => {
      const t = setup({ handshakeTimeoutMs: 500 });
      const raw = t.dial();
      raw.connection.write(Uint8Array.of(0x10, 0, 0));
      await settle();
      advance(t.scheduler, 500);
      await settle();
      expect(t.events[0]).to.deep.include({ type: 'resume-refused', reason: 'unsupported' });
      expect((t.events[0] as { error?: unknown }).error).to.be.instanceOf(TimeoutError);
      expect(raw.welcome()).to.deep.equal({ kind: 'refused', reason: 'unsupported' });
    });
  });

  it('bounds the replay buffer: write() answers false from bufferBytes on, and drain follows the acks', async () => {
    const t = setup();
    const a = await t.open();
    const chunk = new Uint8Array(1000);
    let writes = 0;
    while (a.connection.write(chunk)) {
      writes++;
      expect(writes).to.be.below(100);
    }
    // Backpressure, not growth: at most bufferBytes plus the one write that reached it.
    expect(a.connection.unacknowledged).to.be.at.least(BUFFER).and.at.most(BUFFER + chunk.length);
    expect(a.seen.drains).to.equal(0);
    await settle();
    a.raw.connection.write(encodeAck(a.connection.unacknowledged));
    await settle();
    expect(a.connection.unacknowledged).to.equal(0);
    expect(a.seen.drains).to.equal(1);
  });
});
