import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';

/**
 * Why `dir` is not a fresh project cut off from the monorepo, empty when it is: it must lie outside
 * `monorepo`, and no folder above it may hold a `node_modules` (Node and TypeScript would resolve
 * packages from there) or a `package.json` declaring workspaces (npm would install into that).
 */
export function isolationProblems(dir: string, monorepo: string): string[] {
  const problems: string[] = [];
  const rel = relative(monorepo, dir);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) problems.push(`${dir} lies inside the monorepo ${monorepo}`);
  for (let up = dirname(dir); ; up = dirname(up)) {
    if (existsSync(join(up, 'node_modules'))) problems.push(`${join(up, 'node_modules')} is reachable from ${dir}`);
    const manifest = join(up, 'package.json');
    if (existsSync(manifest) && /"workspaces"/.test(readFileSync(manifest, 'utf8'))) problems.push(`${manifest} declares workspaces above ${dir}`);
    if (dirname(up) === up) break;
  }
  return problems;
}
