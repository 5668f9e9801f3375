import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Put `table` into bench/RESULTS.md between the markers `<!-- name:start -->` and
 * `<!-- name:end -->`, replacing what was there; when the markers are missing, append a section
 * headed `heading`. The rest of the file is left as it is (the benches that print their own table
 * own one section each).
 * @param file - the results file; bench/RESULTS.md by default.
 * @returns the file written, or `undefined` when there is no such file.
 */
export function writeResultsSection(name: string, heading: string, table: string, file = join(__dirname, '..', 'RESULTS.md')): string | undefined {
  if (!existsSync(file)) return undefined;
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(file, 'utf8');
  const block = `${start}\n${table}\n${end}`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  writeFileSync(file, a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + end.length) : `${text.trimEnd()}\n\n## ${heading}\n\n${block}\n`);
  return file;
}
