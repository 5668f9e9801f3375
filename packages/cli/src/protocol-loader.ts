import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyProtocol } from '@rxmsg/core';

/** A `--protocol` module could not be loaded or names no protocol. */
export class ProtocolModuleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolModuleError';
  }
}

/** Whether `value` looks like a `defineProtocol` result (duck-typed: the module may carry its own copy of `@rxmsg/core`). */
export function isProtocol(value: unknown): value is AnyProtocol {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>; // narrowed above: a non-null object
  const set = (s: unknown) => typeof s === 'object' && s !== null && typeof (s as { parse?: unknown }).parse === 'function';
  return typeof v['name'] === 'string' && typeof v['tag'] === 'string' && typeof v['codec'] === 'object' && set(v['client']) && set(v['server']);
}

/**
 * Load `spec` = `path/to/module[#ExportName]` and return the protocol it exports: the named export,
 * or the only protocol among its exports.
 * @throws {@link ProtocolModuleError} when the module fails to load, or names none or several protocols without a `#name`.
 */
export async function loadProtocol(spec: string, cwd = process.cwd()): Promise<AnyProtocol> {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : undefined;
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(resolve(cwd, file)).href);
  } catch (cause) {
    throw new ProtocolModuleError(`cannot load ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const exports = new Map<string, unknown>(Object.entries(typeof mod === 'object' && mod !== null ? mod : {}));
  // A CommonJS module imported from ESM puts its exports on `default` too.
  const fromDefault: unknown = exports.get('default');
  if (typeof fromDefault === 'object' && fromDefault !== null && !isProtocol(fromDefault)) {
    for (const [k, v] of Object.entries(fromDefault)) if (!exports.has(k)) exports.set(k, v);
  }
  if (name !== undefined) {
    const value = exports.get(name);
    if (!isProtocol(value)) throw new ProtocolModuleError(`${file} exports no protocol named ${name}`);
    return value;
  }
  const found = [...new Map([...exports].filter(([, v]) => isProtocol(v)).map(([k, v]) => [v, k])).entries()];
  if (found.length === 1) return found[0]![0] as AnyProtocol;
  if (found.length === 0) throw new ProtocolModuleError(`${file} exports no protocol (a defineProtocol result)`);
  throw new ProtocolModuleError(`${file} exports several protocols (${found.map(([, k]) => k).join(', ')}): pick one with ${file}#Name`);
}
