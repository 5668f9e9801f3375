import { expect } from 'chai';
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { cleanRun, describeRun } from './pack/clean-run';
import { isolationProblems } from './pack/isolation-problems';
import { ROOT, publishablePackages, readManifest } from './pack/publishable-packages';
import { tarballProblems } from './pack/tarball-problems';

/**
 * The packages as a user gets them: `npm pack` every publishable package (from the `tsc -b` build
 * that `npm test` runs first), install the tarballs into a fresh project under the OS temp folder
 * (no workspaces, no path mapping, no monorepo node_modules up the tree), and there run the hello
 * example from CommonJS and ESM, type-check a TypeScript consumer (node16 and bundler resolution),
 * bundle the browser client for the browser, and run the `rxmsg` bin. Third-party dependencies
 * come from npm's cache or the registry (`--prefer-offline`).
 */
const FIXTURES = join(__dirname, 'fixtures', 'consumer');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

interface PackResult {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const builtins = new Set(builtinModules);

/** Fails an esbuild build on any import of a Node built-in, and records each offender. */
function nodeBuiltinGuard(found: string[]): Plugin {
  return {
    name: 'node-builtin-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith('node:') || builtins.has(args.path.split('/')[0]!)) {
          found.push(`${args.path} (imported by ${args.importer})`);
          return { errors: [{ text: `Node built-in "${args.path}" in a browser bundle` }] };
        }
        return undefined;
      });
    },
  };
}

describe('pack and install (the packages as a user installs them)', function () {
  this.timeout(180_000);
  const packages = publishablePackages();
  let temp = '';
  let project = '';
  let packed: PackResult[] = [];

  before(async function () {
    // npm pack + npm install of a dozen tarballs: about 20 s idle, minutes on a loaded machine.
    this.timeout(900_000);
    const unbuilt = packages.filter((p) => !existsSync(join(p.dir, 'dist', 'index.js'))).map((p) => p.manifest.name);
    if (unbuilt.length > 0) throw new Error(`not built (run \`npx tsc -b\` first): ${unbuilt.join(', ')}`);
    temp = realpathSync(mkdtempSync(join(tmpdir(), 'rxmsg-pack-')));
    const tarballs = join(temp, 'tarballs');
    project = join(temp, 'consumer');
    mkdirSync(tarballs);
    mkdirSync(project);

    const pack = await cleanRun('npm', ['pack', '--json', '--pack-destination', tarballs, ...NPM_QUIET, ...packages.flatMap((p) => ['-w', p.manifest.name])], ROOT);
    if (pack.code !== 0) throw new Error(describeRun('npm pack', pack));
    packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[];

    const isolation = isolationProblems(project, ROOT);
    if (isolation.length > 0) throw new Error(`the consumer project is not isolated:\n${isolation.join('\n')}`);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'rxmsg-consumer', version: '1.0.0', private: true }, null, 2));
    for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(project, f));
    const install = await cleanRun('npm', ['install', ...NPM_QUIET, ...packed.map((p) => join(tarballs, p.filename)), 'rxjs@^7.8.2', 'zod@^4.1.0'], project);
    if (install.code !== 0) throw new Error(describeRun('npm install of the tarballs', install));
  });

  after(() => {
    if (temp !== '') rmSync(temp, { recursive: true, force: true });
  });

  it('packs every publishable package, and each tarball holds what a consumer needs', () => {
    expect(packed.map((p) => p.name).sort()).to.deep.equal(packages.map((p) => p.manifest.name).sort());
    const published = new Map(packages.map((p) => [p.manifest.name, p.manifest.version]));
    const problems = packages.flatMap((pkg) => {
      const files = new Set(packed.find((p) => p.name === pkg.manifest.name)!.files.map((f) => f.path));
      return tarballProblems(pkg, files, published);
    });
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('installed real copies from the tarballs, with one rxjs and one zod', () => {
    for (const pkg of packages) {
      const dir = join(project, 'node_modules', pkg.manifest.name);
      expect(lstatSync(dir).isSymbolicLink(), `${pkg.manifest.name} is a link`).to.equal(false);
      expect(readManifest(dir).version).to.equal(pkg.manifest.version);
      for (const shared of ['rxjs', 'zod', '@rxmsg/core']) {
        expect(existsSync(join(dir, 'node_modules', shared)), `${pkg.manifest.name} got its own ${shared}`).to.equal(false);
      }
    }
  });

  it('runs the hello example from CommonJS (require)', async () => {
    const r = await cleanRun(process.execPath, ['hello.cjs'], project);
    expect(r.code, describeRun('node hello.cjs', r)).to.equal(0);
    expect(r.stdout).to.include('answer: Hello, cjs!');
  });

  it('runs the hello example from ESM (import)', async () => {
    const r = await cleanRun(process.execPath, ['hello.mjs'], project);
    expect(r.code, describeRun('node hello.mjs', r)).to.equal(0);
    expect(r.stdout).to.include('answer: Hello, esm!');
  });

  for (const [resolution, options] of [
    ['node16', { module: 'node16', moduleResolution: 'node16', lib: ['es2022'], files: ['consumer.mts', 'consumer.cts'] }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], files: ['consumer.mts', 'consumer.cts', 'browser.mts'] }],
  ] as const) {
    it(`type-checks a TypeScript consumer with moduleResolution ${resolution}`, async () => {
      const { files, ...compilerOptions } = options;
      const tsconfig = {
        compilerOptions: { ...compilerOptions, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], resolveJsonModule: true },
        files,
      };
      writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig, null, 2));
      const r = await cleanRun(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], project);
      expect(r.code, describeRun(`tsc (${resolution})`, r)).to.equal(0);
    });
  }

  it('bundles the browser client (@rxmsg/ws/browser) with esbuild for the browser platform', async () => {
    const found: string[] = [];
    const result = await build({
      absWorkingDir: project,
      entryPoints: ['browser.mts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [nodeBuiltinGuard(found)],
    }).catch((e: unknown) => e);
    expect(found).to.deep.equal([]);
    expect(result, String(result)).to.not.be.instanceOf(Error);
    const { outputFiles, metafile } = result as Awaited<ReturnType<typeof build>> & { metafile: { inputs: Record<string, unknown> } };
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('..')), 'bundled from outside the project').to.deep.equal([]);
    expect(inputs.some((i) => i.startsWith('node_modules/@rxmsg/ws/dist/'))).to.equal(true);
    expect(outputFiles![0]!.text).to.include('WebSocket');
  });

  it('runs the rxmsg bin of @rxmsg/cli', async () => {
    const bin = join(project, 'node_modules', '.bin', 'rxmsg');
    const r = await cleanRun(bin, ['--help'], project);
    expect(r.code, describeRun('rxmsg --help', r)).to.equal(0);
    for (const command of ['connect', 'listen', 'inspect']) expect(r.stdout).to.include(command);
    expect(relative(project, realpathSync(bin))).to.equal(join('node_modules', '@rxmsg', 'cli', 'dist', 'bin.js'));
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).to.equal(true);
  });
});
