import { expect } from 'chai';
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Layers point one way: a package may import only packages of a lower layer that it
 * declares as dependencies. Browser-safe packages import no Node built-ins.
 */
const ROOT = join(__dirname, '..');
const LAYERS: Record<string, number> = {
  '@rxmsg/core': 0,
  '@rxmsg/tcp': 1,
  '@rxmsg/ws': 1,
  '@rxmsg/shm': 1,
  '@rxmsg/soe': 1,
  '@rxmsg/runtime': 2,
  '@rxmsg/node': 3,
  // Extras: scale-out on top of the Node package.
  '@rxmsg/cluster': 4,
  '@rxmsg/redis': 4,
  // Extras: the command-line tool and the admin endpoint it inspects.
  '@rxmsg/cli': 4,
  '@rxmsg/metrics': 4,
  // The public testing kit (memory pairs over the runtime's factories, fault injection, virtual time, raw sockets).
  '@rxmsg/testing': 3,
  // The project's private test helpers: they re-export the testing kit's raw-socket helpers.
  '@rxmsg/test-utils': 4,
};
const EXAMPLE_LAYER = 10;
const BROWSER_SAFE = new Set(['@rxmsg/core', '@rxmsg/runtime']);

interface Pkg {
  name: string;
  dir: string;
  deps: Set<string>;
  devDeps: Set<string>;
  /** Subpaths of `exports` besides `.`, e.g. `./browser`. */
  subpaths: Set<string>;
}

function packages(): Pkg[] {
  const out: Pkg[] = [];
  for (const group of ['packages', 'examples']) {
    for (const d of readdirSync(join(ROOT, group))) {
      const dir = join(ROOT, group, d);
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        exports?: Record<string, unknown>;
      };
      out.push({
        name: json.name,
        dir,
        deps: new Set(Object.keys(json.dependencies ?? {})),
        devDeps: new Set(Object.keys(json.devDependencies ?? {})),
        subpaths: new Set(Object.keys(json.exports ?? {}).filter((k) => k !== '.')),
      });
    }
  }
  return out;
}

function tsFiles(dir: string): string[] {
  let files: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return files;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files = files.concat(tsFiles(p));
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

function imports(file: string): string[] {
  // Comments (TSDoc examples included) are not imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) found.push(spec);
  }
  return found;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(packageName(spec));

const rootDevDeps = new Set(
  Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies ?? {}),
);

export function layeringViolations(): string[] {
  const problems: string[] = [];
  const all = packages();
  // A subpath a package exports (`@rxmsg/ws/browser`) is an entry point, not a deep import.
  const entryPoints = new Set(all.flatMap((p) => [...p.subpaths].map((sub) => `${p.name}${sub.slice(1)}`)));
  for (const pkg of all) {
    const layer = LAYERS[pkg.name] ?? (pkg.name.startsWith('@rxmsg-examples/') ? EXAMPLE_LAYER : undefined);
    if (layer === undefined) {
      problems.push(`${pkg.name}: not assigned to a layer in test/layering.spec.ts`);
      continue;
    }
    for (const [kind, files] of [
      ['src', tsFiles(join(pkg.dir, 'src'))],
      ['test', tsFiles(join(pkg.dir, 'test'))],
    ] as const) {
      for (const file of files) {
        const where = relative(ROOT, file);
        for (const spec of imports(file)) {
          if (spec.startsWith('.')) {
            // A package's tests may reach its own internal modules (unit tests of the engine's parts); nothing may leave the package.
            const target = resolve(dirname(file), spec);
            const inside = target.startsWith(join(pkg.dir, kind) + sep) || (kind === 'test' && target.startsWith(join(pkg.dir, 'src') + sep));
            if (!inside) problems.push(`${where}: relative import "${spec}" leaves its ${kind === 'src' ? 'sources' : 'package'}`);
            continue;
          }
          if (isBuiltin(spec)) {
            if (kind === 'src' && BROWSER_SAFE.has(pkg.name)) problems.push(`${where}: browser-safe package imports Node built-in "${spec}"`);
            continue;
          }
          const name = packageName(spec);
          if (spec !== name && name.startsWith('@rxmsg') && !entryPoints.has(spec)) problems.push(`${where}: deep import "${spec}"`);
          const declared = pkg.deps.has(name) || (kind === 'test' && (pkg.devDeps.has(name) || rootDevDeps.has(name)));
          if (!declared && name !== pkg.name) problems.push(`${where}: imports undeclared "${name}"`);
          const target = LAYERS[name];
          if (target !== undefined && name !== pkg.name && kind === 'src' && target >= layer) {
            problems.push(`${where}: ${pkg.name} (layer ${layer}) imports ${name} (layer ${target})`);
          }
        }
      }
    }
  }
  return problems;
}

/** The source file a relative import names, if it is one of `files`. */
function resolveSource(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (files.has(candidate)) return candidate;
  return undefined;
}

/** Import cycles among the source files of each package, type-only imports included: each as its file path loop. */
export function importCycles(): string[][] {
  const cycles: string[][] = [];
  for (const pkg of packages()) {
    const srcDir = join(pkg.dir, 'src');
    if (!existsSync(srcDir)) continue;
    const files = new Set(tsFiles(srcDir));
    const edges = new Map<string, string[]>();
    for (const file of files) {
      edges.set(file, imports(file).flatMap((spec) => (spec.startsWith('.') ? [resolveSource(file, spec, files)].filter((t): t is string => t !== undefined) : [])));
    }
    // Depth-first search; a file met again while still on the path closes a cycle.
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      path.push(file);
      for (const next of edges.get(file) ?? []) {
        const st = state.get(next);
        if (st === 'open') cycles.push(path.slice(path.indexOf(next)).concat(next).map((f) => relative(ROOT, f)));
        else if (st === undefined) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
  }
  return cycles;
}

describe('package layering', () => {
  it('has no import cycle between the source files of a package', () => {
    expect(importCycles()).to.deep.equal([]);
  });

  it('has no upward, undeclared or deep imports, and no Node built-ins in browser-safe packages', () => {
    expect(layeringViolations()).to.deep.equal([]);
  });

  it('sees every package', () => {
    const names = packages().map((p) => p.name);
    expect(names).to.include.members(Object.keys(LAYERS));
  });
});
