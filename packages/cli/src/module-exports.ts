import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A module named on the command line could not be loaded, or does not export what was asked for. */
export class ProtocolModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolModuleError';
  }
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** What the user is told when a TypeScript module cannot be loaded here. */
const NEEDS_TS_NODE = 'loading a .ts module needs typescript 5.x/6.x and ts-node installed in your project; or compile it to JavaScript first';

/**
 * Load the module at `file` (relative to `cwd`) and return its exports by name. JavaScript (CommonJS
 * or ESM) is imported. A CommonJS TypeScript file (`.ts` or `.cts` outside a `"type": "module"`
 * package) is required through the ts-node and typescript (5.x or 6.x: TypeScript 7 has no JS API)
 * that `cwd` resolves, transpile-only, with explicit CommonJS compiler options (no tsconfig needed).
 * ESM TypeScript (`.mts`, or `.ts` in a `"type": "module"` package) is refused with a clear message:
 * ts-node's ESM loader cannot be registered once Node has started. A CommonJS module's exports are
 * also found when they arrive on `default` only.
 * @throws {@link ProtocolModuleError} when the file does not exist or fails to load, or is TypeScript
 * that cannot be loaded here (ESM, or no usable typescript/ts-node).
 */
export async function loadModuleExports(file: string, cwd = process.cwd()): Promise<Map<string, unknown>> {
  const path = resolve(cwd, file);
  // Said here, not by Node: its message names the importing file inside @rxmsg/cli.
  if (!existsSync(path)) throw new ProtocolModuleError(`cannot load ${file}: no such file ${path}`);
  let mod: unknown;
  try {
    mod = TYPESCRIPT.test(path) ? requireTypeScript(path, cwd) : await import(pathToFileURL(path).href);
  } catch (cause) {
    if (cause instanceof ProtocolModuleError) throw cause;
    throw new ProtocolModuleError(`cannot load ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const exports = new Map<string, unknown>(Object.entries(typeof mod === 'object' && mod !== null ? mod : {}));
  // A CommonJS module imported from ESM puts its exports on `default` too (unless the default
  // export is itself a protocol or a stack).
  const fromDefault: unknown = exports.get('default');
  if (typeof fromDefault === 'object' && fromDefault !== null && !('tag' in fromDefault) && !('stages' in fromDefault)) {
    for (const [k, v] of Object.entries(fromDefault)) if (!exports.has(k)) exports.set(k, v);
  }
  return exports;
}

/** Whether the TypeScript file at `path` is an ES module: `.mts`, or `.ts` under a `"type": "module"` package.json. */
function isEsmTypeScript(path: string): boolean {
  if (/\.mtsx?$/.test(path)) return true;
  if (/\.ctsx?$/.test(path)) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false; // an unreadable package.json: Node treats the file as CommonJS too
      }
    }
    if (dirname(dir) === dir) return false;
  }
}

/** Require a CommonJS TypeScript file through the ts-node and typescript that `cwd` resolves (registered once, transpile-only). */
function requireTypeScript(path: string, cwd: string): unknown {
  if (isEsmTypeScript(path)) {
    throw new ProtocolModuleError(`cannot load ${path}: ESM TypeScript modules (.mts, or .ts in a "type": "module" package) are not supported; compile it to JavaScript first`);
  }
  const fromCwd = createRequire(join(cwd, 'noop.js'));
  let tsNode: string;
  let typescript: string;
  try {
    tsNode = fromCwd.resolve('ts-node');
    typescript = fromCwd.resolve('typescript');
  } catch (cause) {
    throw new ProtocolModuleError(`cannot load ${path}: ${NEEDS_TS_NODE}`, { cause });
  }
  const ts = fromCwd(typescript) as { version?: unknown; transpileModule?: unknown };
  const major = typeof ts.version === 'string' ? Number(ts.version.split('.')[0]) : NaN;
  if (typeof ts.transpileModule !== 'function' || !(major >= 5 && major <= 6)) {
    throw new ProtocolModuleError(`cannot load ${path}: found typescript ${String(ts.version)}; ${NEEDS_TS_NODE}`);
  }
  const registered = Symbol.for('ts-node.register.instance');
  if (!(registered in process)) {
    const { register } = fromCwd(tsNode) as { register(options: object): unknown };
    // Explicit options: a file with no tsconfig near it must load too (TypeScript 6 rejects the
    // implied node10 resolution), and a user's tsconfig must not turn it into ESM output.
    const project = findTsconfig(dirname(path));
    register({
      transpileOnly: true,
      compiler: typescript,
      projectSearchDir: dirname(path),
      skipProject: project === undefined,
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', esModuleInterop: true, sourceMap: true, verbatimModuleSyntax: false },
    });
  }
  return fromCwd(path);
}

/** The nearest tsconfig.json at or above `dir`, if any. */
function findTsconfig(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'tsconfig.json'))) return join(d, 'tsconfig.json');
    if (dirname(d) === d) return undefined;
  }
}
