import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { map } from 'rxjs';
import { createServer, defineProtocol } from '@rxmsg/node';
import { tempSocketPath } from '@rxmsg/test-utils';
import { ExitCode } from '../../src/exit-codes';
import { assertBuilt, jsonLines, runCli } from '../support/run-cli';

const FIXTURES = join(__dirname, 'fixtures');

// The server's view: greetings of any length (the --protocol fixture allows at most 20 characters).
const Hello = defineProtocol({
  name: 'hello',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({ name: z.string().min(1).max(64) }) },
  server: { World: z.object({ greeting: z.string() }), Error: z.object({ code: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Error', code: e.code }) },
});

// A binary (MessagePack) protocol whose replies carry nested data.
const Binary = defineProtocol({
  name: 'binary-echo',
  tag: 't',
  codec: 'binary',
  client: { Add: z.object({ a: z.number(), b: z.number() }) },
  server: { Sum: z.object({ sum: z.number(), parts: z.array(z.number()), meta: z.object({ ok: z.boolean() }) }) },
});

describe('rxmsg connect (spawned bin)', function () {
  this.timeout(90_000); // each spawn starts a Node process: seconds on a loaded machine
  const servers: { close(): Promise<void> }[] = [];
  before(assertBuilt);
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function helloServer(listen: string | string[] = 'tcp://127.0.0.1:0'): Promise<string[]> {
    const server = await createServer({
      listen,
      protocol: Hello,
      config: { onDecodeError: 'reply' } as const,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `Hello, ${m.name}!` }) as const)),
    });
    servers.push(server);
    return server.addresses();
  }

  it('sends, waits for the expected partial match and exits 0', async () => {
    const [address] = await helloServer();
    const r = await runCli(['connect', address!, '--send', '{"kind":"Hello","name":"Ada"}', '--expect', '{"kind":"World"}']);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    expect(jsonLines(r.stdout)).to.deep.equal([{ kind: 'World', greeting: 'Hello, Ada!' }]);
  });

  it('meets several expectations in order, skipping what matches none', async () => {
    const [address] = await helloServer();
    const r = await runCli([
      'connect', address!,
      '--send', '{"kind":"Hello","name":"a"}', '--send', '{"kind":"Nope"}', '--send', '{"kind":"Hello","name":"b"}',
      '--expect', '{"greeting":"Hello, a!"}', '--expect', '{"greeting":"Hello, b!"}',
    ]);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    expect(jsonLines(r.stdout)).to.deep.include({ kind: 'Error', code: 'MESSAGE_UNKNOWN' });
  });

  it('exits 4 when the expectation is not met before --timeout', async () => {
    const [address] = await helloServer();
    const r = await runCli(['connect', address!, '--send', '{"kind":"Hello","name":"Ada"}', '--expect', '{"kind":"Never"}', '--timeout', '300']);
    expect(r.code).to.equal(ExitCode.expectationFailed);
    expect(r.stderr).to.match(/timed out/);
  });

  it('exits 2 when nothing listens', async () => {
    const [address] = await helloServer();
    await servers.pop()!.close(); // the port is free now
    const r = await runCli(['connect', address!, '--send', '{"kind":"Hello","name":"Ada"}']);
    expect(r.code).to.equal(ExitCode.connectFailed);
  });

  it('exits 1 (usage, not 2) for a malformed address, and says why', async () => {
    const r = await runCli(['connect', 'nope', '--send', '{}']);
    expect(r.code).to.equal(ExitCode.usage);
    expect(r.stderr).to.contain('invalid address "nope"');
  });

  it('rxmsg --version prints the version of @rxmsg/cli', async () => {
    const r = await runCli(['--version']);
    expect(r.code).to.equal(ExitCode.ok);
    expect(r.stdout.trim()).to.equal((JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('exits 1 for a --send that is not JSON, and for an unknown codec', async () => {
    expect((await runCli(['connect', 'tcp://127.0.0.1:1', '--send', '{nope'])).code).to.equal(ExitCode.usage);
    expect((await runCli(['connect', 'tcp://127.0.0.1:1', '--codec', 'xml'])).code).to.equal(ExitCode.usage);
  });

  it('speaks over unix sockets and WebSocket too', async () => {
    const path = tempSocketPath();
    const addresses = await helloServer([`unix:${path}`, 'ws://127.0.0.1:0/hello']);
    for (const address of addresses) {
      const r = await runCli(['connect', address, '--send', '{"kind":"Hello","name":"Ada"}', '--expect', '{"greeting":"Hello, Ada!"}']);
      expect(r.code, `${address}: ${r.stderr}`).to.equal(ExitCode.ok);
    }
  });

  it('decodes MessagePack replies of a binary protocol to JSON', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Binary,
      processor: (in$) => in$.pipe(map((m) => ({ t: 'Sum', sum: m.a + m.b, parts: [m.a, m.b], meta: { ok: true } }) as const)),
    });
    servers.push(server);
    const r = await runCli(['connect', server.addresses()[0]!, '--codec', 'binary', '--send', '{"t":"Add","a":2,"b":40}', '--expect', '{"sum":42}']);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    expect(jsonLines(r.stdout)).to.deep.equal([{ t: 'Sum', sum: 42, parts: [2, 40], meta: { ok: true } }]);
  });

  describe('--protocol', () => {
    it('validates replies: a valid exchange exits 0', async () => {
      const [address] = await helloServer();
      const r = await runCli(['connect', address!, '--protocol', join(FIXTURES, 'hello-protocol.cjs'), '--send', '{"kind":"Hello","name":"Ada"}', '--expect', '{"kind":"World"}']);
      expect(r.code, r.stderr).to.equal(ExitCode.ok);
    });

    it('refuses to send an invalid message: exit 3, nothing sent', async () => {
      const r = await runCli(['connect', 'tcp://127.0.0.1:1', '--protocol', join(FIXTURES, 'hello-protocol.cjs'), '--send', '{"kind":"Hello","name":""}']);
      expect(r.code).to.equal(ExitCode.validationFailed);
      expect(r.stderr).to.match(/MESSAGE_INVALID/);
    });

    it('reports a reply that fails the protocol: exit 3', async () => {
      const [address] = await helloServer();
      const long = 'A'.repeat(30); // "Hello, AAA…!" is longer than the fixture's 20 characters
      const r = await runCli(['connect', address!, '--protocol', join(FIXTURES, 'hello-protocol.cjs'), '--send', `{"kind":"Hello","name":"${long}"}`, '--expect', '{"kind":"World"}']);
      expect(r.code).to.equal(ExitCode.validationFailed);
      expect(r.stderr).to.match(/invalid reply: MESSAGE_INVALID/);
    });

    it('needs #Name when a module exports several protocols, and uses the one named', async () => {
      const file = join(FIXTURES, 'two-protocols.cjs');
      const several = await runCli(['connect', 'tcp://127.0.0.1:1', '--protocol', file, '--send', '{"kind":"Hello","name":"abcd"}']);
      expect(several.code).to.equal(ExitCode.usage);
      expect(several.stderr).to.match(/First, Second/);
      const named = await runCli(['connect', 'tcp://127.0.0.1:1', '--protocol', `${file}#Second`, '--send', '{"kind":"Hello","name":"abcd"}']);
      expect(named.code).to.equal(ExitCode.validationFailed); // Second allows 3 characters
      const missing = await runCli(['connect', 'tcp://127.0.0.1:1', '--protocol', `${file}#Third`]);
      expect(missing.code).to.equal(ExitCode.usage);
    });
  });

  it('reads one JSON message per line from a pipe, reporting lines that are not JSON', async () => {
    const [address] = await helloServer();
    const r = await runCli(['connect', address!, '--timeout', '2000'], { stdin: '{"kind":"Hello","name":"a"}\nnot json\n{"kind":"Hello","name":"b"}\n' });
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    expect(r.stderr).to.match(/not JSON/);
    expect(r.stdout).to.not.match(/\x1b\[/); // no colours without a terminal
    expect(jsonLines(r.stdout)).to.deep.equal([
      { kind: 'World', greeting: 'Hello, a!' },
      { kind: 'World', greeting: 'Hello, b!' },
    ]);
  });
});
