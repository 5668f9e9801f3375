import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';

const SRC = join(__dirname, '..', 'src');

/** The import specifiers of a source file, comments left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

/** Every source file reachable from `entry` through relative imports, with its code (comments removed). */
function closure(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.set(file, readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''));
    for (const spec of importsOf(file)) if (spec.startsWith('.')) visit(resolve(file, '..', `${spec}.ts`));
  };
  visit(join(SRC, entry));
  return seen;
}

describe('@rxmsg/ws/browser entry', () => {
  const files = closure('browser.ts');

  it('reaches only browser-safe files: no ws, no Node built-in, no Buffer', () => {
    const problems: string[] = [];
    for (const [file, code] of files) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const allowed = name === '@rxmsg/core' || name === 'rxjs';
        if (!allowed || spec.startsWith('node:') || builtinModules.includes(name)) problems.push(`${file}: imports "${spec}"`);
      }
      if (/\bBuffer\b/.test(code)) problems.push(`${file}: uses Buffer`);
    }
    expect(problems).to.deep.equal([]);
    expect([...files.keys()].map((f) => f.slice(SRC.length + 1)).sort()).to.deep.equal([
      'browser-ws-client-transport.ts',
      'browser-ws-connection.ts',
      'browser.ts',
      'close-codes.ts',
      'message-connection.ts',
      'web-socket-like.ts',
    ]);
  });

  it('is exported as "./browser" with the source condition, like the main entry', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '..', 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['./browser']).to.deep.equal({
      '@rxmsg/source': './src/browser.ts',
      types: './dist/browser.d.ts',
      default: './dist/browser.js',
    });
  });
});
