import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filter, firstValueFrom, map, type Observable } from 'rxjs';
import { z } from 'zod';
import { ConnectError, createServer, defineProtocol, type ServerEvent } from '@rxmsg/node';
import {
  ChatProtocol,
  SERVER_CONFIG,
  chatDemo,
  connectChatClient,
  echo,
  echoProcessor,
  startChatServer,
  startEchoServer,
  welcomeOf,
  type ChatServerMessage,
} from '@rxmsg-examples/tutorials';
import { RawSocket, eventually } from '@rxmsg/test-utils';

const ROOT = join(__dirname, '..', '..', '..');
const LOOPBACK = 'tcp://127.0.0.1:0';

/** Lines of the nc session that the server sends parse as server messages; the others are typed by the user. */
function isServerMessage(line: string): boolean {
  try {
    return !(ChatProtocol.server.parse(JSON.parse(line)) instanceof Error);
  } catch {
    return false;
  }
}

/** The first `Said` of a stream, as a promise: subscribe before it can arrive. */
const firstSaid = (messages$: Observable<ChatServerMessage>) =>
  firstValueFrom(messages$.pipe(filter((m) => m.kind === 'Said')));

describe('tutorial 1: your first protocol and processor', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function echoServer() {
    const server = await startEchoServer(LOOPBACK);
    closers.push(() => server.close());
    return server;
  }

  async function chatServer() {
    const server = await startChatServer(LOOPBACK);
    closers.push(() => server.close());
    return server;
  }

  describe('the echo server', () => {
    // #region echo
    it('answers every Say to its sender, in order', async () => {
      const server = await echoServer();
      const answers = await echo(server.addresses()[0]!, ['hello', 'world']);
      expect(answers).to.deep.equal([
        { kind: 'Said', from: 1, text: 'hello' },
        { kind: 'Said', from: 1, text: 'world' },
      ]);
    });
    // #endregion

    it('runs the processor once per connection: each client hears only itself', async () => {
      const server = await echoServer();
      const address = server.addresses()[0]!;
      const [a, b] = await Promise.all([echo(address, ['a1', 'a2']), echo(address, ['b1'])]);
      expect(a.map((m) => (m.kind === 'Said' ? m.text : m.kind))).to.deep.equal(['a1', 'a2']);
      expect(b.map((m) => (m.kind === 'Said' ? m.text : m.kind))).to.deep.equal(['b1']);
    });

    it('answers bad input with an Error and keeps the connection (onDecodeError: reply)', async () => {
      const server = await echoServer();
      const raw = await RawSocket.connect(server.addresses()[0]!);
      await raw.write('not json\n{"kind":"Shout"}\n{"kind":"Say","text":""}\n');
      await raw.write(`{"kind":"Say","text":"${'x'.repeat(SERVER_CONFIG.maxFrameBytes)}"}\n`);
      await raw.write('{"kind":"Say","text":"still here"}\n');
      const lines = (await raw.lineCount(5)).map((l) => JSON.parse(l) as ChatServerMessage);
      expect(lines.map((m) => (m.kind === 'Error' ? m.code : m.kind))).to.deep.equal([
        'MESSAGE_MALFORMED',
        'MESSAGE_UNKNOWN',
        'MESSAGE_INVALID',
        'FRAME_TOO_LARGE',
        'Said',
      ]);
      raw.end();
      await raw.ended;
    });

    it('rejects with a ConnectError when nobody listens', async () => {
      const server = await startEchoServer(LOOPBACK);
      const address = server.addresses()[0]!;
      await server.close();
      const failure: unknown = await echo(address, ['anyone?']).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).to.be.instanceOf(ConnectError);
      expect(failure).to.have.property('code', 'CONNECT_FAILED');
    });
  });

  describe('the chat room', () => {
    it('welcomes each connection with its id and tells every member what one says', async () => {
      const server = await chatServer();
      const address = server.addresses()[0]!;
      const clients = [connectChatClient(address), connectChatClient(address), connectChatClient(address)];
      closers.push(() => Promise.all(clients.map((c) => c.close())).then(() => undefined));
      const ids = await Promise.all(clients.map(welcomeOf));
      expect([...ids].sort()).to.deep.equal([1, 2, 3]);

      const heard = clients.map((c) => firstSaid(c.messages$));
      expect(clients[0]!.send({ kind: 'Say', text: 'hi all' })).to.equal(true);
      const said = { kind: 'Said', from: ids[0], text: 'hi all' };
      expect(await Promise.all(heard)).to.deep.equal([said, said, said]);
    });

    it('forgets a member that left: the others still hear each other', async () => {
      const server = await chatServer();
      const address = server.addresses()[0]!;
      const [ada, bob, cy] = [connectChatClient(address), connectChatClient(address), connectChatClient(address)];
      closers.push(() => Promise.all([ada.close(), cy.close()]).then(() => undefined));
      const [adaId] = await Promise.all([welcomeOf(ada), welcomeOf(bob), welcomeOf(cy)]);
      await bob.close();
      await eventually(() => server.snapshot().connections.length === 2, 5000, 'bob to leave');

      const cyHears = firstSaid(cy.messages$);
      ada.send({ kind: 'Say', text: 'bob left' });
      expect(await cyHears).to.deep.equal({ kind: 'Said', from: adaId, text: 'bob left' });
    });

    it('ends every member when the server closes', async () => {
      const server = await startChatServer(LOOPBACK);
      const client = connectChatClient(server.addresses()[0]!);
      await welcomeOf(client);
      const statuses: string[] = [];
      client.status$.subscribe((s) => statuses.push(s.state));
      await server.close();
      await client.closed;
      expect(statuses).to.deep.equal(['connected', 'closed']);
    });

    it('runs the demo: bob hears ada, the snapshot shows both, events run from the connections to stopped', async () => {
      const { adaId, bobId, bobHeard, snapshot, events } = await chatDemo();
      expect(bobHeard).to.deep.equal({ kind: 'Said', from: adaId, text: 'hello, room' });
      expect(snapshot.connections.map((c) => c.id).sort()).to.deep.equal([adaId, bobId].sort());
      expect(snapshot.listeners).to.have.length(1);
      expect(snapshot.listeners[0]!.connections).to.equal(2);
      const ada = snapshot.connections.find((c) => c.id === adaId)!;
      expect(ada.messagesIn).to.equal(1);
      expect(events[0]).to.deep.equal({ type: 'listening', address: snapshot.listeners[0]!.address });
      expect(events[1]?.type).to.equal('connected');
      expect(events.at(-1)?.type).to.equal('stopped');
      const of = (id: number) => events.filter((e): e is Exclude<ServerEvent, { type: 'listening' | 'stopped' }> => 'peerId' in e && e.peerId === id);
      for (const id of [adaId, bobId]) {
        expect(of(id).map((e) => e.type)).to.deep.equal(['connected', 'protocol-entered', 'protocol-left', 'disconnected']);
      }
    });
  });

  describe('config', () => {
    const Bare = defineProtocol({
      name: 'bare',
      tag: 'kind',
      client: { Ping: z.object({}) },
      server: { Pong: z.object({}) },
    });

    it("refuses onDecodeError: 'reply' for a protocol without errorReplies, at compile time and at run time", async () => {
      const failure: unknown = await createServer({
        listen: LOOPBACK,
        protocol: Bare,
        processor: (incoming$) => incoming$.pipe(map(() => ({ kind: 'Pong' }) as const)),
        // @ts-expect-error: Bare defines no errorReplies.server
        config: { onDecodeError: 'reply' },
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).to.have.property('code', 'CONFIG_INVALID');
      expect(failure).to.have.property('field', 'onDecodeError');
    });

    it('types the effective config with the literals of the config given', async () => {
      const server = await echoServer();
      const limit: 4096 = server.config.maxFrameBytes;
      // @ts-expect-error: the effective config keeps the literal 'reply'
      const other: 'ignore' = server.config.onDecodeError;
      expect([limit, other]).to.deep.equal([4096, 'reply']);
      expect(server.config.flushTimeoutMs).to.equal(2000);
    });

    it('needs `as const` on a config kept in a variable (checked by tsc -b)', () => {
      const widened = { onDecodeError: 'reply' };
      const start = () =>
        // @ts-expect-error: without `as const`, 'reply' widens to string
        createServer({ listen: LOOPBACK, protocol: ChatProtocol, processor: echoProcessor, config: widened });
      expect(start).to.be.a('function');
      expect(SERVER_CONFIG.onDecodeError).to.equal('reply');
    });
  });

  describe('main.ts, talked to with nc', () => {
    it('replays the nc session of the tutorial, then closes on Ctrl-C', async () => {
      const child = spawn(
        process.execPath,
        ['--conditions=@rxmsg/source', '-r', 'ts-node/register', 'examples/tutorials/src/first-protocol/main.ts', '0'],
        { cwd: ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      try {
        await eventually(() => /listening on (\S+)/.test(stdout) || child.exitCode !== null, 15_000, 'main.ts to listen');
        const address = /chat room listening on (\S+)\n/.exec(stdout)?.[1];
        expect(address, stderr).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);

        const session = readFileSync(join(__dirname, 'fixtures', 'nc-session.txt'), 'utf8').trimEnd().split('\n').slice(1);
        const raw = await RawSocket.connect(address!);
        const fromServer: string[] = [];
        for (const line of session) {
          if (isServerMessage(line)) fromServer.push(line);
          else {
            await raw.lineCount(fromServer.length);
            await raw.write(`${line}\n`);
          }
        }
        expect(await raw.lineCount(fromServer.length)).to.deep.equal(fromServer);

        child.kill('SIGINT');
        expect(await exited).to.equal(0);
        await raw.ended;
        expect(stdout).to.match(/chat room closed\n$/);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  });
});
