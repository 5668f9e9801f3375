import type { AnyProtocol } from '@rxmsg/core';
import { ProtocolModuleError, loadModuleExports } from './module-exports';

export { ProtocolModuleError };

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
  const exports = await loadModuleExports(file, cwd);
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
