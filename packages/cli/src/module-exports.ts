import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A module named on the command line could not be loaded, or does not export what was asked for. */
export class ProtocolModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolModuleError';
  }
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Load the module at `file` (relative to `cwd`) and return its exports by name. JavaScript (CommonJS
 * or ESM) is imported; a TypeScript file (`.ts`, `.mts`, `.cts`) is required through ts-node
 * (transpile-only) when ts-node can be resolved from `cwd`. A CommonJS module's exports are also
 * found when they arrive on `default` only.
 * @throws {@link ProtocolModuleError} when the module fails to load (or is TypeScript and ts-node is not installed).
 */
export async function loadModuleExports(file: string, cwd = process.cwd()): Promise<Map<string, unknown>> {
  const path = resolve(cwd, file);
  let mod: unknown;
  try {
    mod = TYPESCRIPT.test(path) ? requireTypeScript(path, cwd) : await import(pathToFileURL(path).href);
  } catch (cause) {
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

/** Require a TypeScript file through the ts-node that `cwd` resolves (registered once, transpile-only). */
function requireTypeScript(path: string, cwd: string): unknown {
  const fromCwd = createRequire(join(cwd, 'noop.js'));
  let tsNode: string;
  try {
    tsNode = fromCwd.resolve('ts-node');
  } catch (cause) {
    throw new Error('loading a .ts module needs ts-node (npm install -D ts-node), or give the compiled .js', { cause });
  }
  const registered = Symbol.for('ts-node.register.instance');
  if (!(registered in process)) {
    const { register } = fromCwd(tsNode) as { register(options: object): unknown };
    register({ transpileOnly: true });
  }
  return fromCwd(path);
}
