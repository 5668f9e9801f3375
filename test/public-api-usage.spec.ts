import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** docs/api.md: examples, docs and READMEs show users the public API only, never an `@rxmsg/<pkg>/internal` entry. */
const ROOT = join(__dirname, '..');
const INTERNAL = /(?:from\s+|require\(\s*|import\(\s*)['"]@rxmsg\/[a-z-]+\/internal['"]/;

function files(dir: string, pattern: RegExp, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, pattern, out);
    else if (pattern.test(e)) out.push(p);
  }
  return out;
}

describe('public API usage in examples and docs', () => {
  it('no example, doc or README imports an internal entry', () => {
    const candidates = [
      ...files(join(ROOT, 'examples'), /\.(ts|tsx|js|mjs|cjs|md|html)$/),
      ...files(join(ROOT, 'docs'), /\.md$/),
      join(ROOT, 'README.md'),
      ...readdirSync(join(ROOT, 'packages')).map((d) => join(ROOT, 'packages', d, 'README.md')).filter((f) => {
        try {
          return statSync(f).isFile();
        } catch {
          return false;
        }
      }),
    ];
    const offenders = candidates.filter((f) => INTERNAL.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(offenders).to.deep.equal([]);
  });
});
