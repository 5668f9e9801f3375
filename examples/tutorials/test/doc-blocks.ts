/**
 * Checks the fenced code blocks of the tutorials against the files they show.
 *
 * Convention: a block whose first line is `// file: <path>` (or `# file: <path>` in a block
 * whose language has no `//` comments) shows the file at `<path>`, relative to the repository
 * root, and must equal it exactly, region marker lines left out. `<path>#name` shows only the
 * lines between `// #region name` and the next `// #endregion`, with their common indentation
 * removed. Any other block must be a short shell block; nothing else goes unchecked.
 */

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** Line of the opening fence, 1-based. */
  readonly line: number;
  /** The info string's first word (`ts`, `sh`...), empty when there is none. */
  readonly lang: string;
  /** The lines between the fences. */
  readonly lines: readonly string[];
}

/** Languages of the blocks that may go unsynced: shell commands. */
export const SHELL_LANGS: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);

/** Longest unsynced shell block, in lines: a command or two, not a script. */
export const MAX_SHELL_LINES = 8;

const MARKER = /^(?:\/\/|#) file: (\S+?)(?:#([\w-]+))?$/;
const REGION_LINE = /^\s*\/\/ #(?:end)?region\b/;

/**
 * The fenced code blocks of `markdown`, plus the problems of its fences (an unclosed block).
 */
export function codeBlocks(markdown: string): { blocks: CodeBlock[]; problems: string[] } {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let open: { line: number; fence: string; lang: string; lines: string[] } | undefined;
  for (const [i, text] of lines.entries()) {
    if (open === undefined) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
      if (m !== null) open = { line: i + 1, fence: m[1]!, lang: m[2]!, lines: [] };
    } else if (text.trim().startsWith(open.fence) && text.trim().replace(/[`~]/g, '') === '') {
      blocks.push({ line: open.line, lang: open.lang, lines: open.lines });
      open = undefined;
    } else open.lines.push(text);
  }
  return { blocks, problems: open === undefined ? [] : [`line ${open.line}: code block is never closed`] };
}

/** What a synced block shows: a file and maybe a region of it. */
export interface BlockSource {
  readonly path: string;
  readonly region: string | undefined;
}

/** The file (and region) a block is marked with, if any. */
export function blockSource(block: CodeBlock): BlockSource | undefined {
  const m = MARKER.exec(block.lines[0] ?? '');
  return m === null ? undefined : { path: m[1]!, region: m[2] };
}

/**
 * The text a block marked with `source` must show, taken from `content` (the file's text):
 * the whole file or one region, without region marker lines and trailing newlines.
 * @returns the text, or a problem description.
 */
export function expectedText(content: string, source: BlockSource): { text: string } | { problem: string } {
  const lines = content.replace(/\n+$/, '').split('\n');
  if (source.region === undefined) return { text: lines.filter((l) => !REGION_LINE.test(l)).join('\n') };
  const start = lines.findIndex((l) => l.trim() === `// #region ${source.region}`);
  if (start === -1) return { problem: `${source.path} has no region "${source.region}"` };
  const length = lines.slice(start + 1).findIndex((l) => /^\s*\/\/ #endregion\b/.test(l));
  if (length === -1) return { problem: `${source.path}: region "${source.region}" is never closed` };
  const body = lines.slice(start + 1, start + 1 + length).filter((l) => !REGION_LINE.test(l));
  const indent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return { text: body.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n') };
}

/**
 * Problems of one Markdown file's code blocks.
 * @param markdown - the file's text.
 * @param readSource - the text of a repository file, or `undefined` when it does not exist.
 * @param options - `markedOnly`: check only the blocks with a file marker (the repository README,
 *   whose other blocks are illustrations); the others may be anything.
 */
export function blockProblems(markdown: string, readSource: (path: string) => string | undefined, options: { readonly markedOnly?: boolean } = {}): string[] {
  const { blocks, problems } = codeBlocks(markdown);
  for (const block of blocks) {
    const where = `line ${block.line}`;
    const source = blockSource(block);
    if (source === undefined) {
      if (options.markedOnly === true) continue;
      if (!SHELL_LANGS.has(block.lang)) problems.push(`${where}: a \`${block.lang || '(no language)'}\` block must start with a "// file:" marker`);
      else if (block.lines.length > MAX_SHELL_LINES) problems.push(`${where}: shell block longer than ${MAX_SHELL_LINES} lines`);
      continue;
    }
    const content = readSource(source.path);
    if (content === undefined) {
      problems.push(`${where}: ${source.path} does not exist`);
      continue;
    }
    const expected = expectedText(content, source);
    if ('problem' in expected) {
      problems.push(`${where}: ${expected.problem}`);
      continue;
    }
    const shown = block.lines.slice(1).join('\n');
    if (shown !== expected.text) problems.push(`${where}: differs from ${source.path}${source.region ? `#${source.region}` : ''} ${firstDifference(shown, expected.text)}`);
  }
  return problems;
}

function firstDifference(shown: string, expected: string): string {
  const a = shown.split('\n');
  const b = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `at its line ${i + 1}: shown ${JSON.stringify(a[i] ?? '(end)')}, file has ${JSON.stringify(b[i] ?? '(end)')}`;
  }
  return '';
}
