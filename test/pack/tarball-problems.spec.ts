import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolationProblems } from './isolation-problems';
import type { Manifest } from './publishable-packages';
import { tarballProblems } from './tarball-problems';

/** The checks pack-install.spec.ts applies to each tarball, on a made-up package. */
describe('tarballProblems', () => {
  let dir = '';
  const manifest: Manifest = {
    name: '@rxmsg/demo',
    version: '0.3.0',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    bin: { demo: './dist/bin.js' },
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './browser': { default: './dist/browser.js' }, './package.json': './package.json' },
    dependencies: { '@rxmsg/core': '^0.3.0', rxjs: '^7.8.2' },
  };
  const complete = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/bin.js', 'dist/browser.js', 'src/index.ts'];
  const published = new Map([['@rxmsg/demo', '0.3.0'], ['@rxmsg/core', '0.3.0']]);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxmsg-tarball-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.js'), 'const core = require("@rxmsg/core"); const rx = require("rxjs/operators"); require("node:net"); require("./x");');
    writeFileSync(join(dir, 'dist', 'index.js.map'), JSON.stringify({ version: 3, sources: ['../src/index.ts'], mappings: '' }));
    writeFileSync(join(dir, 'dist', 'bin.js'), '#!/usr/bin/env node\n');
    writeFileSync(join(dir, 'dist', 'browser.js'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong with a complete package', () => {
    expect(tarballProblems({ dir, manifest }, new Set(complete), published)).to.deep.equal([]);
  });

  it('names each missing file, export target and bin', () => {
    const files = new Set(complete.filter((f) => !['README.md', 'dist/browser.js', 'dist/bin.js'].includes(f)));
    expect(tarballProblems({ dir, manifest }, files, published)).to.have.members([
      '@rxmsg/demo: required file "README.md" is not in the tarball',
      '@rxmsg/demo: bin demo "dist/bin.js" is not in the tarball',
      '@rxmsg/demo: exports["./browser"] "dist/browser.js" is not in the tarball',
    ]);
  });

  it('flags shipped tests and build info, and source maps whose sources are missing', () => {
    const files = new Set([...complete.filter((f) => f !== 'src/index.ts'), 'test/a.spec.js', 'tsconfig.tsbuildinfo']);
    expect(tarballProblems({ dir, manifest }, files, published)).to.have.members([
      '@rxmsg/demo: ships "test/a.spec.js"',
      '@rxmsg/demo: ships "tsconfig.tsbuildinfo"',
      '@rxmsg/demo: dist/index.js.map points at "src/index.ts", which is not in the tarball',
    ]);
  });

  it('flags an undeclared require, a local range and an rxmsg range that misses the packed version', () => {
    const broken: Manifest = { ...manifest, dependencies: { '@rxmsg/core': '0.2.0', other: 'file:../other' } };
    expect(tarballProblems({ dir, manifest: broken }, new Set(complete), published)).to.have.members([
      '@rxmsg/demo: dist/index.js requires "rxjs/operators", not a dependency',
      '@rxmsg/demo: dependency other has the local range "file:../other"',
      '@rxmsg/demo: depends on @rxmsg/core@0.2.0, which does not admit the packed 0.3.0',
    ]);
  });
});

describe('isolationProblems', () => {
  it('refuses a project inside the monorepo, and one with node_modules above it', () => {
    const monorepo = mkdtempSync(join(tmpdir(), 'rxmsg-mono-'));
    try {
      mkdirSync(join(monorepo, 'node_modules'));
      mkdirSync(join(monorepo, 'a', 'b'), { recursive: true });
      const problems = isolationProblems(join(monorepo, 'a', 'b'), monorepo);
      expect(problems.some((p) => p.includes('lies inside the monorepo'))).to.equal(true);
      expect(problems.some((p) => p.includes(`${join(monorepo, 'node_modules')} is reachable`))).to.equal(true);
    } finally {
      rmSync(monorepo, { recursive: true, force: true });
    }
  });
});
