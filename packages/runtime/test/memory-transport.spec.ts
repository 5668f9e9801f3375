import { expect } from 'chai';
import { concat, firstValueFrom, ignoreElements, map, of, take, toArray } from 'rxjs';
import { z } from 'zod';
import { ConnectError, defineProtocol, parseAddress, type ConnectionHandlers } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, type MemoryConnection } from '@rxmsg/runtime';

const Hello = defineProtocol({
  name: 'hello',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }) },
  server: { World: z.object({ greeting: z.string() }) },
});

/** Handlers that record what a connection delivers. */
function recorder(): ConnectionHandlers & { data: Uint8Array[]; ends: number; drains: number; closes: number; bytes(): number; closed: Promise<void> } {
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  return {
    data: [],
    ends: 0,
    drains: 0,
    closes: 0,
    closed,
    bytes() {
      return this.data.reduce((n, c) => n + c.length, 0);
    },
    onData(chunk) {
      this.data.push(chunk);
    },
    onEnd() {
      this.ends++;
    },
    onDrain() {
      this.drains++;
    },
    onClose() {
      this.closes++;
      onClosed();
    },
  };
}

/** A listening memory transport and a connected pair: `[server end, client end]`. */
async function pair(highWaterMark = 1024): Promise<[MemoryConnection, MemoryConnection, () => Promise<void>]> {
  const memory = memoryTransport({ highWaterMark });
  let accepted: MemoryConnection | undefined;
  const listener = await memory.listen(parseAddress('memory://pair:0'), (c) => (accepted = c as MemoryConnection), { noDelay: true });
  const client = memory.dial(listener.address);
  return [accepted as MemoryConnection, client, () => listener.close()];
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('memoryTransport', () => {
  it('runs a server and a client without sockets', async () => {
    const memory = memoryTransport();
    const server = await createServer({
      listen: 'memory://hello:0',
      transports: [memory],
      protocol: Hello,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `Hello, ${m.name}!` }) as const)),
    });
    expect(server.addresses()[0]).to.match(/^memory:\/\/hello:\d+$/);
    const client = createClient({
      connect: server.addresses()[0]!,
      transports: [memory],
      protocol: Hello,
      processor: (in$) => concat(of({ kind: 'Hello', name: 'Ada' } as const), in$.pipe(take(1), ignoreElements())),
    });
    const replies = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    expect(await replies).to.deep.equal([{ kind: 'World', greeting: 'Hello, Ada!' }]);
    await server.close();
  });

  it('fails a connect to a name nothing listens on with a ConnectError', async () => {
    const memory = memoryTransport();
    const error: unknown = await firstValueFrom(memory.connect(parseAddress('memory://nobody:1'), { noDelay: true })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConnectError);
    expect((error as ConnectError).code).to.equal('CONNECT_FAILED');
  });

  it('keeps listeners per transport instance', async () => {
    const a = memoryTransport();
    const listener = await a.listen(parseAddress('memory://only-a:7'), () => {}, { noDelay: true });
    expect(() => memoryTransport().dial('memory://only-a:7')).to.throw(ConnectError);
    await listener.close();
    expect(() => a.dial('memory://only-a:7')).to.throw(ConnectError);
  });

  it('delivers in a later microtask, never inside write()', async () => {
    const [server, client, close] = await pair();
    const got = recorder();
    server.start(got);
    client.start(recorder());
    expect(client.write('abc')).to.equal(true);
    expect(got.data).to.have.length(0);
    await settle();
    expect(new TextDecoder().decode(got.data[0])).to.equal('abc');
    expect(server.bytesRead).to.equal(3);
    expect(client.bytesWritten).to.equal(3);
    client.destroy();
    await got.closed;
    await close();
  });

  it('copies what is written, a Node Buffer included: the writer may reuse its buffer at once', async () => {
    const [server, client, close] = await pair();
    const got = recorder();
    server.start(got);
    client.start(recorder());
    const buffer = Buffer.from('abc');
    client.write(buffer);
    buffer.fill(0x78);
    client.write(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length));
    buffer.fill(0x79);
    await settle();
    expect(got.data.map((c) => new TextDecoder().decode(c)).join('')).to.equal('abcxxx');
    client.destroy();
    await got.closed;
    await close();
  });

  it('answers false past the high-water mark while the reader is paused, and drains once it reads', async () => {
    const [server, client, close] = await pair(1024);
    const got = recorder();
    server.start(got);
    const writer = recorder();
    client.start(writer);
    server.pause();
    const chunk = new Uint8Array(100).fill(7);
    let written = 0;
    while (client.write(chunk)) written += chunk.length;
    written += chunk.length;
    expect(written).to.be.at.least(1024).and.below(1024 + 100);
    await settle();
    expect(got.data).to.have.length(0);
    expect(server.held).to.equal(written);
    expect(writer.drains).to.equal(0);
    server.resume();
    await settle();
    expect(got.bytes()).to.equal(written);
    expect(writer.drains).to.equal(1);
    client.destroy();
    await Promise.all([got.closed, writer.closed]);
    await close();
  });

  it('half-closes: the other side sees the end after the bytes, may still write, and both close once', async () => {
    const [server, client, close] = await pair();
    const s = recorder();
    const c = recorder();
    server.start(s);
    client.start(c);
    client.write('last');
    client.end();
    expect(client.write('too late')).to.equal(false);
    await settle();
    expect(s.ends).to.equal(1);
    expect(new TextDecoder().decode(s.data[0])).to.equal('last');
    expect(server.write('reply')).to.equal(true);
    server.end();
    await Promise.all([s.closed, c.closed]);
    expect(new TextDecoder().decode(c.data[0])).to.equal('reply');
    expect([s.closes, c.closes, c.ends]).to.deep.equal([1, 1, 1]);
    await close();
  });

  it('destroy closes both ends once and drops what was not delivered', async () => {
    const [server, client, close] = await pair();
    const s = recorder();
    const c = recorder();
    server.start(s);
    client.start(c);
    client.write('dropped');
    client.destroy();
    client.destroy();
    await Promise.all([s.closed, c.closed]);
    await settle();
    expect([s.closes, c.closes]).to.deep.equal([1, 1]);
    expect(s.data).to.have.length(0);
    expect(server.write('x')).to.equal(false);
    await close();
  });
});
