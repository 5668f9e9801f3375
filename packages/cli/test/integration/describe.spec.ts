import { expect } from 'chai';
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
});
