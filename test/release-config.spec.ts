import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRun, describeRun } from './pack/clean-run';
import { ROOT, libraryPackages, publishablePackages, readManifest } from './pack/publishable-packages';

/**
 * The lerna configuration releases what pack-install.spec.ts packs: `lerna ls` lists exactly the
 * publishable packages, every package has the one fixed version, and `lerna version` (run on a copy
 * of the manifests in a throwaway git repository, no tag, no push) bumps every workspace package
 * and every rxmsg dependency range together, lockfile included, so the workspace stays linked.
 */
const LERNA = join(ROOT, 'node_modules', 'lerna', 'dist', 'cli.js');
const LERNA_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', npm_config_prefer_offline: 'true' };

interface LernaJson {
  readonly version: string;
  readonly packages: readonly string[];
}

/** Every folder with a package.json that the root `workspaces` globs (`dir/*` or `dir`) name. */
function workspaceDirs(root: string): string[] {
  const globs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  return globs.flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`) : [g])).filter((d) => existsSync(join(root, d, 'package.json')));
}

describe('release configuration (lerna)', function () {
  this.timeout(120_000);
  const lernaJson = JSON.parse(readFileSync(join(ROOT, 'lerna.json'), 'utf8')) as LernaJson;

  it('lerna lists exactly the publishable packages (private ones excluded)', async () => {
    const r = await cleanRun(process.execPath, [LERNA, 'ls', '--json', '--loglevel=silent'], ROOT, LERNA_ENV);
    expect(r.code, describeRun('lerna ls', r)).to.equal(0);
    const listed = (JSON.parse(r.stdout) as { name: string; private: boolean }[]).map((p) => p.name).sort();
    expect(listed).to.deep.equal(publishablePackages().map((p) => p.manifest.name).sort());
    expect(listed).to.not.include('@rxmsg/test-utils');
  });

  it('versions every workspace package with lerna, at the one fixed version', () => {
    const dirs = workspaceDirs(ROOT);
    const covered = (dir: string): boolean => lernaJson.packages.some((g) => (g.endsWith('/*') ? dir.startsWith(g.slice(0, -1)) : dir === g));
    expect(dirs.filter((d) => !covered(d)), 'workspaces lerna does not version').to.deep.equal([]);
    for (const d of dirs) expect(readManifest(join(ROOT, d)).version, d).to.equal(lernaJson.version);
    for (const p of libraryPackages()) expect(p.manifest.version, p.manifest.name).to.equal(lernaJson.version);
  });

  it('lerna version bumps every package and every rxmsg dependency range together', async function () {
    this.timeout(300_000);
    const temp = realpathSync(mkdtempSync(join(tmpdir(), 'rxmsg-lerna-')));
    try {
      const dirs = workspaceDirs(ROOT);
      for (const f of ['package.json', 'package-lock.json', 'lerna.json']) copyFileSync(join(ROOT, f), join(temp, f));
      for (const d of dirs) {
        mkdirSync(join(temp, d), { recursive: true });
        copyFileSync(join(ROOT, d, 'package.json'), join(temp, d, 'package.json'));
      }
      const git = (...args: string[]) => cleanRun('git', ['-c', 'user.name=release-check', '-c', 'user.email=release-check@localhost', ...args], temp);
      for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'manifests']]) {
        const r = await git(...args);
        expect(r.code, describeRun(`git ${args[0]}`, r)).to.equal(0);
      }
      const next = '0.1.1-release-check.0';
      const r = await cleanRun(process.execPath, [LERNA, 'version', next, '--no-git-tag-version', '--no-push', '--yes'], temp, LERNA_ENV);
      expect(r.code, describeRun('lerna version', r)).to.equal(0);

      expect((JSON.parse(readFileSync(join(temp, 'lerna.json'), 'utf8')) as LernaJson).version).to.equal(next);
      const names = new Set(dirs.map((d) => readManifest(join(temp, d)).name));
      const stale: string[] = [];
      for (const d of dirs) {
        const m = readManifest(join(temp, d));
        if (m.version !== next) stale.push(`${d}: version ${m.version}`);
        for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.devDependencies })) {
          if (names.has(dep) && range !== next && range !== `^${next}`) stale.push(`${d}: ${dep}@${range}`);
        }
      }
      const lock = JSON.parse(readFileSync(join(temp, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
      for (const d of dirs) if (lock.packages[d]?.version !== next) stale.push(`package-lock.json: ${d} at ${lock.packages[d]?.version}`);
      expect(stale, stale.join('\n')).to.deep.equal([]);
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });
});
