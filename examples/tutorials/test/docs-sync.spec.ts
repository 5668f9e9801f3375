import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { blockProblems, blockSource, codeBlocks } from './doc-blocks';

const ROOT = join(__dirname, '..', '..', '..');
const DOCS = join(ROOT, 'docs', 'tutorials');
const SOURCES = join(ROOT, 'examples', 'tutorials', 'src');

const readSource = (path: string): string | undefined => {
  const file = join(ROOT, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};
const markdownFiles = (): string[] => readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort();
/** Docs outside the tutorials whose code lives in examples/tutorials/src too, by path from the root. */
const OTHER_DOCS: readonly string[] = ['docs/typed-stacks.md', 'docs/asyncapi.md'];
/** Docs whose marked blocks are checked, while their unmarked blocks are left alone. */
const MARKED_DOCS: readonly string[] = ['README.md'];

describe('tutorial docs stay in sync with their code', () => {
  it('finds the index and the four tutorials', () => {
    expect(markdownFiles()).to.include.members(['README.md', '01-first-protocol.md', '02-protocol-stacking.md', '03-large-result.md', '04-requests-and-rooms.md']);
  });

  for (const name of markdownFiles()) {
    it(`${name}: every code block is a copy of a tested file or a short shell block`, () => {
      expect(blockProblems(readFileSync(join(DOCS, name), 'utf8'), readSource)).to.deep.equal([]);
    });
  }
  for (const path of OTHER_DOCS) {
    it(`${path}: every code block is a copy of a tested file or a short shell block`, () => {
      expect(blockProblems(readFileSync(join(ROOT, path), 'utf8'), readSource)).to.deep.equal([]);
    });
  }

  for (const path of MARKED_DOCS) {
    it(`${path}: every marked code block is a copy of a tested file`, () => {
      const text = readFileSync(join(ROOT, path), 'utf8');
      expect(blockProblems(text, readSource, { markedOnly: true })).to.deep.equal([]);
      expect(codeBlocks(text).blocks.filter((b) => blockSource(b) !== undefined)).to.have.length.greaterThan(5);
    });
  }

  it('has no relative link that leads nowhere', () => {
    const broken: string[] = [];
    for (const file of [...markdownFiles().map((name) => join(DOCS, name)), ...[...OTHER_DOCS, ...MARKED_DOCS].map((path) => join(ROOT, path))]) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target === undefined || /^(?:[a-z]+:|#)/.test(target)) continue;
        if (!existsSync(join(dirname(file), target.replace(/#.*$/, '')))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('shows every source file of every tutorial', () => {
    const shown = new Set<string>();
    for (const file of [...markdownFiles().map((name) => join(DOCS, name)), ...[...OTHER_DOCS, ...MARKED_DOCS].map((path) => join(ROOT, path))]) {
      for (const block of codeBlocks(readFileSync(file, 'utf8')).blocks) {
        const source = blockSource(block);
        if (source !== undefined) shown.add(source.path);
      }
    }
    const sources = readdirSync(SOURCES, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(SOURCES, d.name)).map((f) => `examples/tutorials/src/${d.name}/${f}`));
    expect(sources).to.have.length.greaterThan(10);
    expect(sources.filter((s) => !shown.has(s))).to.deep.equal([]);
  });
});

describe('doc block checker', () => {
  const files: Record<string, string> = {
    'a.ts': 'const a = 1;\n// #region two\n  const b = 2;\n    const c = 3;\n// #endregion\n',
  };
  const check = (markdown: string): string[] => blockProblems(markdown, (p) => files[p]);

  it('accepts a whole file without its region markers, a region dedented, and a short shell block', () => {
    const md = [
      '```ts',
      '// file: a.ts',
      'const a = 1;',
      '  const b = 2;',
      '    const c = 3;',
      '```',
      '```ts',
      '// file: a.ts#two',
      'const b = 2;',
      '  const c = 3;',
      '```',
      '```sh',
      'npm test',
      '```',
    ].join('\n');
    expect(check(md)).to.deep.equal([]);
  });

  it('checks only marked blocks when asked to', () => {
    const md = ['```ts', 'const x = 1;', '```', '```ts', '// file: a.ts#two', 'const b = 2;', '```'].join('\n');
    expect(blockProblems(md, (p) => files[p], { markedOnly: true })).to.deep.equal(['line 4: differs from a.ts#two at its line 2: shown "(end)", file has "  const c = 3;"']);
  });

  it('reports a block that differs from its file, by line', () => {
    const problems = check('text\n```ts\n// file: a.ts#two\nconst b = 2;\n  const c = 4;\n```\n');
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^line 2: differs from a\.ts#two at its line 2/);
  });

  it('reports a missing file and a missing region', () => {
    expect(check('```ts\n// file: b.ts\n```\n```ts\n// file: a.ts#three\n```')).to.deep.equal([
      'line 1: b.ts does not exist',
      'line 4: a.ts has no region "three"',
    ]);
  });

  it('reports unmarked code, an unlabelled block, a long shell block and an unclosed block', () => {
    const longShell = ['```sh', ...Array.from({ length: 9 }, () => 'echo'), '```'].join('\n');
    const problems = check(['```ts', 'const x = 1;', '```', '```', 'plain', '```', longShell, '```ts'].join('\n'));
    expect(problems).to.have.length(4);
    expect(problems[0]).to.match(/^line 18: code block is never closed/);
    expect(problems.slice(1).map((p) => p.split(':')[0])).to.deep.equal(['line 1', 'line 4', 'line 7']);
  });
});
