import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One TCP write of a documented exchange: who wrote it, and its bytes. */
export interface Write {
  readonly from: 'C' | 'S';
  readonly bytes: Buffer;
}

/** The text of PROTOCOL.md. */
export function protocolDoc(): string {
  return readFileSync(join(__dirname, '..', '..', 'PROTOCOL.md'), 'utf8');
}

/**
 * The writes of PROTOCOL.md section 5.2 (a complete match, config scoreLimit 1, seed 19): text lines
 * ending in a literal `\n`, or hex frames over several lines; `FIN` lines carry no bytes.
 */
export function matchTranscript(): Write[] {
  const doc = protocolDoc();
  const section = doc.slice(doc.indexOf('### 5.2'), doc.indexOf('### 5.3'));
  const block = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const writes: { from: 'C' | 'S'; parts: Buffer[] }[] = [];
  for (const text of block.split('\n')) {
    const m = /^([CS]): (.*)$/.exec(text);
    const body = m === null ? text.trim() : m[2]!;
    if (m !== null) writes.push({ from: m[1] as 'C' | 'S', parts: [] });
    if (body === 'FIN') continue;
    const bytes = body.startsWith('{') ? Buffer.from(body.replace(/\\n$/, '\n')) : Buffer.from(body.replace(/ /g, ''), 'hex');
    writes[writes.length - 1]!.parts.push(bytes);
  }
  return writes.filter((w) => w.parts.length > 0).map((w) => ({ from: w.from, bytes: Buffer.concat(w.parts) }));
}

/**
 * The body rows of the first Markdown table under `heading` (a line of PROTOCOL.md, e.g.
 * `### 4.1 Deadlines`), each as its trimmed cells; empty when there is no such heading.
 */
export function docTable(heading: string): string[][] {
  const lines = protocolDoc().split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const rows: string[][] = [];
  let inTable = false;
  for (const text of lines.slice(start + 1)) {
    if (text.startsWith('#')) break;
    if (!text.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    rows.push(text.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  // Drop the header and the `|---|` separator.
  return rows.slice(2);
}
