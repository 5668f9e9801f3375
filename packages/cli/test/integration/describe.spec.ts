import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../src/exit-codes';
import { assertBuilt, runCli } from '../support/run-cli';

const FIXTURES = join(__dirname, 'fixtures');
type Json = Record<string, unknown>;
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], o);

describe('rxmsg describe (spawned bin)', function () {
  this.timeout(90_000); // each spawn starts a Node process: seconds on a loaded machine
  before(assertBuilt);

  it('prints the AsyncAPI 3.0.0 document of the only protocol a CommonJS module exports', async () => {
    const r = await runCli(['describe', join(FIXTURES, 'hello-protocol.cjs')]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(ExitCode.ok);
    const doc = JSON.parse(r.stdout) as Json;
    expect(doc['asyncapi']).to.equal('3.0.0');
    expect(at(doc, 'info', 'title')).to.equal('hello');
    expect(Object.keys(at(doc, 'channels') as Json)).to.deep.equal(['hello']);
    expect(r.stdout.endsWith('}\n')).to.equal(true);
  });

  it('lists the protocols and stacks of a module that exports several, and exits 1 without --export', async () => {
    const r = await runCli(['describe', join(FIXTURES, 'stack.cjs')]);
    expect(r.code).to.equal(ExitCode.usage);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain('Kv (protocol kv)').and.contain('KvStack (stack kv-stack)').and.contain('Login (protocol login)').and.contain('--export');
    expect(r.stderr).to.not.contain('notAProtocol');
  });

  it('--export picks a stack: one channel per stage in order, with servers, title and version', async () => {
    const r = await runCli([
      'describe',
      join(FIXTURES, 'stack.cjs'),
      '--export',
      'KvStack',
      '--server',
      'tcp://127.0.0.1:4000',
      '--server',
      'ws://127.0.0.1:8080/kv',
      '--title',
      'Key-value',
      '--app-version',
      '2.0.0',
      '--max-frame-bytes',
      '4096',
    ]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(ExitCode.ok);
    const doc = JSON.parse(r.stdout) as Json;
    expect(at(doc, 'info', 'title')).to.equal('Key-value');
    expect(at(doc, 'info', 'version')).to.equal('2.0.0');
    expect(Object.keys(at(doc, 'channels') as Json)).to.deep.equal(['login', 'kv']);
    expect(at(doc, 'channels', 'login', 'x-rxmsg-stage')).to.deep.equal({ order: 1, next: 'Welcome: go to kv; Denied: the server closes' });
    expect(at(doc, 'channels', 'kv', 'x-rxmsg-framing', 'maxPayloadBytes')).to.equal(4096);
    expect(at(doc, 'operations', 'kv.request.Get', 'action')).to.equal('receive');
    expect(at(doc, 'servers', 'tcp', 'host')).to.equal('127.0.0.1:4000');
    expect(at(doc, 'servers', 'ws', 'pathname')).to.equal('/kv');
  });

  it('--export picks one protocol too', async () => {
    const r = await runCli(['describe', join(FIXTURES, 'stack.cjs'), '--export', 'Login']);
    expect(r.code).to.equal(ExitCode.ok);
    expect(Object.keys(at(JSON.parse(r.stdout), 'channels') as Json)).to.deep.equal(['login']);
  });

  it('uses the default export of an ES module', async () => {
    const r = await runCli(['describe', join(FIXTURES, 'default-stack.mjs')]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(ExitCode.ok);
    expect(at(JSON.parse(r.stdout), 'x-rxmsg-stack', 'name')).to.equal('pinger');
  });

  it('loads a TypeScript module through ts-node', async () => {
    const r = await runCli(['describe', join(FIXTURES, 'typed-protocol.ts')]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(ExitCode.ok);
    expect(at(JSON.parse(r.stdout), 'info', 'title')).to.equal('typed');
  });

  const usage: [string, string[], RegExp][] = [
    ['an --export that is not a protocol or stack (and says what there is)', ['stack.cjs', '--export', 'notAProtocol'], /no protocol or stack named notAProtocol; it exports Kv/],
    ['an --export that does not exist', ['stack.cjs', '--export', 'Nope'], /named Nope/],
    ['a module without protocols', ['../../../src/exit-codes.ts'], /exports no protocol/],
    ['a module that throws while loading', ['throws-on-load.cjs'], /cannot load .*cannot start here/],
    ['a module that does not exist', ['missing.cjs'], /cannot load/],
    ['a --server that is not an address', ['hello-protocol.cjs', '--server', 'localhost'], /localhost/],
    ['--format yaml (JSON only)', ['hello-protocol.cjs', '--format', 'yaml'], /yaml/],
  ];
  for (const [what, [file, ...rest], message] of usage) {
    it(`exits 1 (usage) on ${what}`, async () => {
      const r = await runCli(['describe', join(FIXTURES, file!), ...rest]);
      expect(r.code).to.equal(ExitCode.usage);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(message);
    });
  }

  describe('TypeScript modules outside a project (no tsconfig)', () => {
    // A duck-typed protocol with no imports: the temp dir has no node_modules and no tsconfig.json.
    const BARE = "const parse = (v: unknown): unknown => v;\nexport const Bare = { name: 'bare', tag: 'kind', codec: {}, client: { parse }, server: { parse } };\n";
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'rxmsg-ts-'));
      writeFileSync(join(dir, 'bare.ts'), BARE);
      writeFileSync(join(dir, 'bare.mts'), BARE);
      mkdirSync(join(dir, 'esm'));
      writeFileSync(join(dir, 'esm', 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'esm', 'bare.ts'), BARE);
      // A project whose typescript is 7.x: no JS API (no transpileModule).
      const ts7 = join(dir, 'ts7', 'node_modules', 'typescript');
      mkdirSync(ts7, { recursive: true });
      writeFileSync(join(ts7, 'package.json'), '{"name":"typescript","version":"7.0.0","main":"index.js"}');
      writeFileSync(join(ts7, 'index.js'), 'module.exports = { version: "7.0.0" };');
      symlinkSync(join(require.resolve('ts-node/package.json'), '..'), join(dir, 'ts7', 'node_modules', 'ts-node'), 'dir');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('loads a CommonJS .ts protocol with no tsconfig.json anywhere above it (connect --protocol gets as far as dialing)', async () => {
      const r = await runCli(['connect', `unix:${join(dir, 'nobody.sock')}`, '--protocol', join(dir, 'bare.ts'), '--send', '{"kind":"Hi"}']);
      expect(r.stderr).to.contain('cannot connect').and.not.contain('TS5107').and.not.contain('cannot load');
      expect(r.code).to.equal(ExitCode.connectFailed);
    });

    const refused: [string, string, (cwd: string) => string, RegExp][] = [
      ['a .mts module', 'bare.mts', () => process.cwd(), /ESM TypeScript modules .* are not supported; compile it to JavaScript first/],
      ['a .ts module in a "type": "module" package', join('esm', 'bare.ts'), () => process.cwd(), /ESM TypeScript modules .* are not supported/],
      ['a .ts module when the project has typescript 7 (no JS API)', 'bare.ts', (d) => join(d, 'ts7'), /found typescript 7\.0\.0; loading a \.ts module needs typescript 5\.x\/6\.x and ts-node installed in your project; or compile it to JavaScript first/],
    ];
    for (const [what, file, cwd, message] of refused) {
      it(`exits 1 (usage) with a clear message on ${what}`, async () => {
        const r = await runCli(['describe', join(dir, file)], { cwd: cwd(dir) });
        expect(r.code).to.equal(ExitCode.usage);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.match(message).and.not.match(/Cannot read properties|Must use import/);
      });
    }

    it('a missing module is reported by the path the user gave, resolved against cwd (not from inside @rxmsg/cli)', async () => {
      const r = await runCli(['describe', 'missing.cjs'], { cwd: dir });
      expect(r.code).to.equal(ExitCode.usage);
      expect(r.stderr).to.contain(`cannot load missing.cjs: no such file ${join(dir, 'missing.cjs')}`).and.not.contain('imported from');
    });
  });
});
