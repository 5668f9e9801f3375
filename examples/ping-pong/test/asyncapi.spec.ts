import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv, { type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { binaryCodec, toAsyncApi, type AsyncApiDocument } from '@rxmsg/core';
import { DEFAULT_MATCH_CONFIG, PingPongStack, THRESHOLD_NAMES, TURN_EVENTS } from '@rxmsg-examples/ping-pong';
import { matchTranscript, protocolDoc } from './integration/transcript';

const ROOT = join(__dirname, '..');
const DOC_FILE = join(ROOT, 'asyncapi.json');
const CLI_BIN = join(ROOT, '..', '..', 'packages', 'cli', 'dist', 'bin.js');
const REGENERATE = 'npx tsc -b && node packages/cli/dist/bin.js describe examples/ping-pong/dist/index.js --export PingPongStack > examples/ping-pong/asyncapi.json';

type Json = Record<string, unknown>;
const committedText = () => readFileSync(DOC_FILE, 'utf8');
const committed = () => JSON.parse(committedText()) as AsyncApiDocument;
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], o);

/** One example message of PROTOCOL.md: its stage, sender and decoded value. */
interface Example {
  readonly stage: 'pregame' | 'game' | 'goodbye';
  readonly from: 'client' | 'server';
  readonly value: Json;
  readonly where: string;
}

/** Every example message PROTOCOL.md spells out in full, in sections 5.1 to 5.4. */
function docExamples(): Example[] {
  const examples: Example[] = [];
  const sender = (c: string) => (c === 'C' ? 'client' : 'server');
  // 5.2: a whole match; text before the first frame is the pre-game, text after it the goodbye.
  let seenBinary = false;
  for (const [i, w] of matchTranscript().entries()) {
    if (w.bytes[0] === 0x7b) {
      for (const line of w.bytes.toString('utf8').split('\n').filter((l) => l !== '')) {
        examples.push({ stage: seenBinary ? 'goodbye' : 'pregame', from: sender(w.from), value: JSON.parse(line) as Json, where: `5.2 write ${i + 1}` });
      }
      continue;
    }
    seenBinary = true;
    for (let at = 0; at < w.bytes.length; ) {
      const length = w.bytes.readUInt32BE(at);
      const payload = w.bytes.subarray(at + 4, at + 4 + length);
      examples.push({ stage: 'game', from: sender(w.from), value: binaryCodec.decode(payload) as Json, where: `5.2 write ${i + 1}` });
      at += 4 + length;
    }
  }
  const doc = protocolDoc();
  const section = (from: string, to: string) => doc.slice(doc.indexOf(from), doc.indexOf(to));
  // 5.1: the Turn in prose and its frame byte by byte (the hex pairs before each comment).
  const s51 = section('### 5.1', '### 5.2');
  const turn = /`(\{"kind":"Turn".*?\})`/.exec(s51)![1]!;
  examples.push({ stage: 'game', from: 'client', value: JSON.parse(turn) as Json, where: '5.1 text' });
  const dump = s51.slice(s51.indexOf('```\n') + 4, s51.indexOf('\n```', s51.indexOf('```\n') + 4));
  const hex = dump.split('\n').map((l) => /^((?:[0-9a-f]{2} ?)+)/.exec(l)?.[1]?.replace(/ /g, '') ?? '').join('');
  const frame = Buffer.from(hex, 'hex');
  expect(frame.readUInt32BE(0), '5.1: the length prefix counts the payload').to.equal(frame.length - 4);
  const decoded = binaryCodec.decode(frame.subarray(4)) as Json;
  expect(decoded, '5.1: the bytes are the Turn in prose').to.deep.equal(JSON.parse(turn));
  examples.push({ stage: 'game', from: 'client', value: decoded, where: '5.1 bytes' });
  // 5.3 and 5.4: `C:`/`S:` lines of JSON, or `S: Kind {fields}`.
  for (const [name, text, stage] of [['5.3', section('### 5.3', '### 5.4'), 'pregame'], ['5.4', section('### 5.4', '## 6.'), 'game']] as const) {
    for (const m of text.matchAll(/^([CS]): (?:(\w+) )?(\{.*\})(?:\\n)?$/gm)) {
      const fields = JSON.parse(m[3]!) as Json;
      examples.push({ stage, from: sender(m[1]!), value: m[2] === undefined ? fields : { kind: m[2], ...fields }, where: name });
    }
  }
  return examples;
}

describe('asyncapi.json (the AsyncAPI 3.0.0 document of PingPongStack)', function () {
  this.timeout(60_000); // the parser loads its rulesets: seconds on a loaded machine

  it(`is up to date: toAsyncApi(PingPongStack) is the committed file byte for byte (regenerate: ${REGENERATE})`, () => {
    expect(JSON.stringify(toAsyncApi(PingPongStack), null, 2) + '\n').to.equal(committedText());
  });

  it('is what `rxmsg describe` prints for the example module', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'describe', join(ROOT, 'dist', 'index.js'), '--export', 'PingPongStack'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    expect(stdout).to.equal(committedText());
  });

  it('server entries of every address kind (tcp, tls, ws, wss, soe, unix) pass @asyncapi/parser with no error and no warning', async () => {
    const servers = ['tcp://127.0.0.1:4000', 'tls://[::1]:4001', 'ws://example.org:8080/play', 'wss://example.org:443/play', 'soe://10.0.0.2:30490/kv', 'unix:/run/ping-pong.sock'];
    const doc = toAsyncApi(PingPongStack, { servers });
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).to.deep.equal([]);
    const unix = document!.servers().get('unix')!;
    expect([unix.host(), unix.protocol(), unix.pathname()]).to.deep.equal(['/run/ping-pong.sock', 'unix', undefined]);
    expect(document!.servers().get('ws')!.pathname()).to.equal('/play');
  });

  it('passes @asyncapi/parser with no error and no warning (one information: 3.1.0 exists; issue 15 asks for 3.0.0)', async () => {
    const { document, diagnostics } = await new Parser().parse(committedText());
    const serious = diagnostics.filter((d) => d.severity <= 1); // 0 error, 1 warning, 2 information, 3 hint
    expect(serious.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).to.deep.equal([]);
    expect(diagnostics.map((d) => d.code)).to.deep.equal(['asyncapi-latest-version']);
    expect(document).to.not.equal(undefined);
    expect(document!.version()).to.equal('3.0.0');
    // The parsed model sees the stages as channels and the directions as operations.
    expect(document!.channels().all().map((c) => c.id())).to.deep.equal(['pregame', 'game', 'goodbye']);
    const turn = document!.operations().all().find((o) => o.id() === 'game.receive')!;
    expect(turn.action()).to.equal('receive');
    expect(turn.messages().all().map((m) => m.name())).to.deep.equal(['Turn', 'Cancel']);
  });

  it('names every message of every stage in each direction, with the codec, framing and stage order', () => {
    const doc = committed();
    expect(Object.keys(doc.channels)).to.deep.equal(PingPongStack.stages.map((s) => s.name));
    for (const [order, stage] of PingPongStack.stages.entries()) {
      const channel = doc.channels[stage.name];
      expect(at(channel, 'x-rxmsg-stage', 'order')).to.equal(order + 1);
      expect(at(channel, 'x-rxmsg-tag')).to.equal('kind');
      const binary = stage.protocol.codec.name === 'binary';
      expect(at(channel, 'x-rxmsg-framing', 'type')).to.equal(binary ? 'length-prefixed' : 'newline-delimited');
      if (binary) expect([at(channel, 'x-rxmsg-framing', 'prefixBytes'), at(channel, 'x-rxmsg-framing', 'byteOrder')]).to.deep.equal([4, 'big-endian']);
      for (const [side, action] of [['client', 'receive'], ['server', 'send']] as const) {
        const names = stage.protocol[side].names;
        const operation = doc.operations[`${stage.name}.${action}`];
        expect(at(operation, 'action')).to.equal(action);
        const refs = (at(operation, 'messages') as { $ref: string }[]).map((r) => r.$ref);
        expect(refs).to.deep.equal(names.map((n) => `#/channels/${stage.name}/messages/${side}.${n}`));
        for (const name of names) {
          const message = doc.components['messages'] as Json;
          const id = `${stage.name}.${side}.${name}`;
          expect(at(message, id, 'name')).to.equal(name);
          expect(at(message, id, 'contentType')).to.equal(binary ? 'application/x-msgpack' : 'application/json');
          expect(at(doc.components, 'schemas', id, 'properties', 'kind', 'const')).to.equal(name);
        }
      }
    }
  });

  describe('against PROTOCOL.md', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validators = new Map<string, ValidateFunction>();
    const validator = (stage: string, from: string, kind: unknown): ValidateFunction => {
      const id = `${stage}.${from}.${String(kind)}`;
      const schema = at(committed().components, 'schemas', id) as Json | undefined;
      expect(schema, `no schema ${id} in asyncapi.json`).to.not.equal(undefined);
      if (!validators.has(id)) validators.set(id, ajv.compile(schema!));
      return validators.get(id)!;
    };

    it('every example message (5.1 to 5.4) validates against the JSON Schema of its message', () => {
      const examples = docExamples();
      // 5.1 twice, 5.2's 4 text lines, 5 turns and 2 goodbye lines, 5.3's 2 lines, 5.4's Cancel.
      expect(examples.length).to.equal(2 + 11 + 2 + 1);
      for (const e of examples) {
        const validate = validator(e.stage, e.from, e.value['kind']);
        expect(validate(e.value), `${e.where}: ${JSON.stringify(e.value)}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
      }
      // Every stage and both directions are exercised.
      expect(new Set(examples.map((e) => `${e.stage}.${e.from}`)).size).to.equal(6);
    });

    it('the schemas refuse what section 3.4 says the server refuses as MESSAGE_INVALID', () => {
      const turn = validator('game', 'client', 'Turn');
      const good = { kind: 'Turn', n: 1, player: 'client', draw: 0.5, event: 'service' };
      expect(turn(good)).to.equal(true);
      for (const bad of [{ n: 0 }, { player: 'umpire' }, { draw: 'x' }, { event: 'smash' }]) expect(turn({ ...good, ...bad }), JSON.stringify(bad)).to.equal(false);
      const config = validator('pregame', 'client', 'Config');
      const { thresholds: _required, ...withoutThresholds } = { kind: 'Config', ...DEFAULT_MATCH_CONFIG };
      expect(config(withoutThresholds)).to.equal(false);
      // Thresholds not increasing: a custom check JSON Schema cannot state; the schema says so.
      expect(at(committed().components, 'schemas', 'pregame.client.Config', 'properties', 'thresholds', 'x-rxmsg-refined')).to.equal(true);
    });
  });

  it('property: every Turn and Config the receiver\'s zod schema accepts, the JSON Schema accepts too', () => {
    const ajv = new Ajv({ strict: false });
    const schemas = committed().components['schemas'] as Json;
    const turnSchema = PingPongStack.stages[1]!.protocol.client.schemaOf('Turn')!;
    const configSchema = PingPongStack.stages[0]!.protocol.client.schemaOf('Config')!;
    const turnJson = ajv.compile(schemas['game.client.Turn'] as Json);
    const configJson = ajv.compile(schemas['pregame.client.Config'] as Json);
    const turns = fc.record({
      kind: fc.constant('Turn'),
      n: fc.oneof(fc.integer({ min: -2, max: 1e6 }), fc.double()),
      player: fc.constantFrom('client', 'server', 'umpire'),
      draw: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()),
      event: fc.constantFrom(...TURN_EVENTS, 'smash'),
    });
    const probability = fc.double({ min: -0.5, max: 1.5, noNaN: true });
    const configs = fc.record(
      {
        kind: fc.constant('Config'),
        scoreLimit: fc.integer({ min: -1, max: 1002 }),
        seed: fc.oneof(fc.integer({ min: -1, max: 2 ** 32 }), fc.constant(1.5)),
        thresholds: fc.record(Object.fromEntries(THRESHOLD_NAMES.map((n) => [n, probability])) as Record<string, fc.Arbitrary<number>>),
      },
      { requiredKeys: ['kind', 'scoreLimit'] },
    );
    fc.assert(fc.property(turns, (m) => !turnSchema.safeParse(m).success || turnJson(m)), { numRuns: 500 });
    fc.assert(fc.property(configs, (m) => !configSchema.safeParse(m).success || configJson(m)), { numRuns: 500 });
    // And the other way round, except for the one custom check (increasing thresholds).
    fc.assert(fc.property(turns, (m) => turnJson(m) === turnSchema.safeParse(m).success), { numRuns: 500 });
  });
});
