import { expect } from 'chai';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const builtins = new Set(builtinModules);

/** Fails the build on any import of a Node built-in, and records each offender. */
function nodeBuiltinGuard(found: string[]): Plugin {
  return {
    name: 'node-builtin-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path.split('/')[0]!;
        if (args.path.startsWith('node:') || builtins.has(bare)) {
          found.push(`${args.path} (imported by ${args.importer})`);
          return { errors: [{ text: `Node built-in "${args.path}" in a browser bundle` }] };
        }
        return undefined;
      });
    },
  };
}

/** The bundle's code per rxmsg source file, from esbuild's `// path` comments. */
function sourcesOf(js: string): [string, string][] {
  const parts = js.split(/^\/\/ ((?:packages|node_modules|examples)\/[^\n]+)$/m);
  const out: [string, string][] = [];
  for (let i = 1; i < parts.length; i += 2) if (parts[i]!.startsWith('packages/')) out.push([parts[i]!, parts[i + 1]!]);
  return out;
}

describe('browser bundle', () => {
  it('bundles the client-side packages for the browser without any Node built-in or Buffer', async function () {
    this.timeout(30_000);
    const found: string[] = [];
    const result = await build({
      entryPoints: [join(__dirname, 'fixtures', 'browser-entry.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions: ['@rxmsg/source'],
      write: false,
      logLevel: 'silent',
      plugins: [nodeBuiltinGuard(found)],
    }).catch((e: unknown) => e);
    expect(found).to.deep.equal([]);
    expect(result).to.not.be.instanceOf(Error);
    const js = (result as { outputFiles: { text: string }[] }).outputFiles[0]!.text;
    expect(js).to.include('createCompositeClient');
    expect(js).to.include('browserWsTransport');
    expect(sourcesOf(js).length).to.be.greaterThan(10);
    // Nothing of rxmsg's own names Buffer: the browser has none.
    for (const [path, text] of sourcesOf(js)) expect(text, path).to.not.match(/\bBuffer\b/);
  });
});
