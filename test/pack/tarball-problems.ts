import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { WorkspacePackage } from './publishable-packages';

/** Every string leaf of an `exports` map (conditions and subpaths), with the subpath it belongs to. */
function exportTargets(exports: unknown, subpath = '.'): [string, string][] {
  if (typeof exports === 'string') return [[subpath, exports]];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, key.startsWith('.') ? key : subpath));
}

const REQUIRE = /\brequire\("([^"./][^"]*)"\)/g;

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * What is wrong with the tarball `npm pack` made of `pkg`, given the paths it holds: each problem
 * as one line naming the package, empty when a consumer gets everything it needs. Checks the
 * README, LICENSE and CHANGELOG; every `main`/`types`/`bin`/`exports` target; no tests or build
 * info; that every source map's sources are in the tarball; that every package the compiled
 * JavaScript requires is a declared dependency (a hoisted monorepo dependency would hide it);
 * and that dependency ranges resolve outside the workspace (no `workspace:`/`file:`, rxmsg
 * packages only published ones, at a range that admits the version packed).
 */
export function tarballProblems(pkg: WorkspacePackage, files: ReadonlySet<string>, published: ReadonlyMap<string, string>): string[] {
  const m = pkg.manifest;
  const problems: string[] = [];
  const need = (path: string, why: string): void => {
    const p = posix.normalize(path.replace(/^\.\//, ''));
    if (!files.has(p)) problems.push(`${m.name}: ${why} "${p}" is not in the tarball`);
  };
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) need(f, 'required file');
  if (m.main !== undefined) need(m.main, 'main');
  if (m.types !== undefined) need(m.types, 'types');
  for (const [name, target] of Object.entries(m.bin ?? {})) need(target, `bin ${name}`);
  for (const [subpath, target] of exportTargets(m.exports)) need(target, `exports["${subpath}"]`);
  if (m.exports?.['./package.json'] !== './package.json') problems.push(`${m.name}: exports lacks "./package.json"`);
  for (const f of files) {
    if (/(^|\/)test\/|\.spec\.|\.tsbuildinfo$|(^|\/)node_modules\//.test(f)) {
      problems.push(`${m.name}: ships "${f}"`);
      continue;
    }
    if (f.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(pkg.dir, f), 'utf8')) as { sources?: string[]; sourceRoot?: string };
      for (const source of map.sources ?? []) {
        const resolved = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', source));
        if (!files.has(resolved)) problems.push(`${m.name}: ${f} points at "${resolved}", which is not in the tarball`);
      }
    }
    if (f.endsWith('.js')) {
      const declared = new Set([m.name, ...Object.keys(m.dependencies ?? {})]);
      for (const match of readFileSync(join(pkg.dir, f), 'utf8').matchAll(REQUIRE)) {
        const spec = match[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        if (!declared.has(packageName(spec))) problems.push(`${m.name}: ${f} requires "${spec}", not a dependency`);
      }
    }
  }
  for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
    if (/^(workspace|file|link|portal):/.test(range)) problems.push(`${m.name}: dependency ${dep} has the local range "${range}"`);
    if (!dep.startsWith('@rxmsg/')) continue;
    const version = published.get(dep);
    if (version === undefined) problems.push(`${m.name}: depends on ${dep}, which is not published`);
    else if (range !== version && range !== `^${version}`) problems.push(`${m.name}: depends on ${dep}@${range}, which does not admit the packed ${version}`);
  }
  return problems;
}
