import type { Writable } from 'node:stream';
import { toAsyncApi, type AnyProtocol, type ProtocolStack } from '@rxmsg/core';
import { ExitCode, type ExitCodeValue } from './exit-codes';
import { ProtocolModuleError, loadModuleExports } from './module-exports';
import { isProtocol } from './protocol-loader';

/** Options of `rxmsg describe`. */
export interface DescribeOptions {
  /** The export to describe; by default the module's default export, else its only protocol or stack. */
  readonly export?: string;
  /** Output format: `json` (the only one: no YAML library is a dependency of the CLI). */
  readonly format: 'json';
  /** Addresses to list as servers (repeatable `--server`). */
  readonly server: readonly string[];
  /** `info.title`; the protocol's or stack's name by default. */
  readonly title?: string;
  /** `info.version`; `1.0.0` by default. */
  readonly appVersion?: string;
  /** The receiver's frame limit, to document it. */
  readonly maxFrameBytes?: number;
}

/** Whether `value` looks like a `defineStack` result (duck-typed, as {@link isProtocol}). */
export function isStack(value: unknown): value is ProtocolStack {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>; // narrowed above: a non-null object
  const stages = v['stages'];
  return (
    typeof v['name'] === 'string' &&
    Array.isArray(stages) &&
    stages.length > 0 &&
    stages.every((s: unknown) => typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string' && isProtocol((s as { protocol?: unknown }).protocol))
  );
}

const describable = (value: unknown): value is AnyProtocol | ProtocolStack => isProtocol(value) || isStack(value);

/**
 * `rxmsg describe <module>`: print the AsyncAPI 3.0.0 document of the protocol or stack a module
 * exports (`toAsyncApi` of `@rxmsg/core`), as JSON on stdout.
 * @returns {@link ExitCode.ok}, or {@link ExitCode.usage} when the module does not load, exports
 * nothing describable, exports several without `--export`, or `--server` is not an address.
 */
export async function runDescribe(file: string, options: DescribeOptions, io: { readonly stdout: Writable; readonly stderr: Writable }): Promise<ExitCodeValue> {
  const fail = (message: string): ExitCodeValue => {
    io.stderr.write(`rxmsg describe: ${message}\n`);
    return ExitCode.usage;
  };
  let exports: Map<string, unknown>;
  try {
    exports = await loadModuleExports(file);
  } catch (error) {
    if (!(error instanceof ProtocolModuleError)) throw error;
    return fail(error.message);
  }
  // Each value once, under its first name (an `export default X` of a named X is one candidate).
  const candidates = new Map<unknown, string>();
  for (const [name, value] of exports) if (describable(value) && !candidates.has(value)) candidates.set(value, name);
  const listing = () => [...candidates].map(([v, name]) => `${name} (${isStack(v) ? 'stack' : 'protocol'} ${(v as { name: string }).name})`).join(', ');
  let source: AnyProtocol | ProtocolStack;
  if (options.export !== undefined) {
    const value = exports.get(options.export);
    if (!describable(value)) return fail(`${file} exports no protocol or stack named ${options.export}${candidates.size > 0 ? `; it exports ${listing()}` : ''}`);
    source = value;
  } else {
    const fallback = exports.get('default');
    if (describable(fallback)) source = fallback;
    else if (candidates.size === 1) source = [...candidates.keys()][0] as AnyProtocol | ProtocolStack; // describable, filtered above
    else if (candidates.size === 0) return fail(`${file} exports no protocol (defineProtocol) or stack (defineStack)`);
    else return fail(`${file} exports several: ${listing()}; pick one with --export <name>`);
  }
  let text: string;
  try {
    const document = toAsyncApi(source, {
      ...(options.title === undefined ? {} : { title: options.title }),
      ...(options.appVersion === undefined ? {} : { version: options.appVersion }),
      ...(options.server.length === 0 ? {} : { servers: options.server }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    });
    text = JSON.stringify(document, null, 2) + '\n';
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  io.stdout.write(text);
  return ExitCode.ok;
}
