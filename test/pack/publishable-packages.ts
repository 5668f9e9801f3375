import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of a package.json that the release checks read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly files?: readonly string[];
  readonly sideEffects?: boolean | readonly string[];
  readonly engines?: Readonly<Record<string, string>>;
  readonly publishConfig?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** A package of the monorepo: its folder and manifest. */
export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** The monorepo's root folder. */
export const ROOT = join(__dirname, '..', '..');

/** Read a package.json. */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every package under `packages/`, private ones included, sorted by name. */
export function libraryPackages(): WorkspacePackage[] {
  const dir = join(ROOT, 'packages');
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'package.json')))
    .map((d) => ({ dir: join(dir, d), manifest: readManifest(join(dir, d)) }))
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The packages that are published to npm: every package under `packages/` that is not private. */
export function publishablePackages(): WorkspacePackage[] {
  return libraryPackages().filter((p) => p.manifest.private !== true);
}
