/**
 * The API reports: `@microsoft/api-extractor` over each published package's public entry
 * (`dist/index.d.ts`; the `./internal` entries carry no guarantee and have no report), checked in as
 * `packages/<pkg>/etc/<pkg>.api.md`. `npm run api` regenerates them (`--local`); the spec
 * (test/api-report.spec.ts) runs the same extraction without `--local` and fails when a report
 * differs from the build. One TypeScript program serves every package (`CompilerState`), so the
 * whole run costs one compile.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel, type ExtractorMessage } from '@microsoft/api-extractor';

const ROOT = join(__dirname, '..');

/** The outcome for one package. */
export interface ApiReportResult {
  /** Folder name under packages/, e.g. `node`. */
  readonly pkg: string;
  /** The package name, e.g. `@rxmsg/node`. */
  readonly name: string;
  /** The checked-in report differs from the build (always false with `local`: it was rewritten). */
  readonly changed: boolean;
  /** Errors and warnings api-extractor reported, as text. */
  readonly problems: readonly string[];
}

/** Folders under packages/ that have an api-extractor.json (every published package). */
export function apiPackages(): string[] {
  return readdirSync(join(ROOT, 'packages'))
    .filter((d) => existsSync(join(ROOT, 'packages', d, 'api-extractor.json')))
    .sort();
}

/** Folders under packages/ whose package.json is not `private`. */
export function publishedPackages(): string[] {
  return readdirSync(join(ROOT, 'packages'))
    .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
    .filter((d) => (JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')) as { private?: boolean }).private !== true)
    .sort();
}

/**
 * Run api-extractor for `pkgs` (default: every package with a config) over their built
 * declarations (`npx tsc -b` first). `local` rewrites the checked-in reports; otherwise a report
 * that differs is reported as `changed` and left alone.
 */
export function runApiReports(local: boolean, pkgs: readonly string[] = apiPackages()): ApiReportResult[] {
  const configs = pkgs.map((pkg) => {
    const config = ExtractorConfig.loadFileAndPrepare(join(ROOT, 'packages', pkg, 'api-extractor.json'));
    if (!existsSync(config.mainEntryPointFilePath)) {
      throw new Error(`${config.packageJson?.name ?? pkg}: ${config.mainEntryPointFilePath} is missing: build first (npx tsc -b)`);
    }
    return { pkg, config };
  });
  const first = configs[0];
  if (first === undefined) return [];
  const compilerState = CompilerState.create(first.config, { additionalEntryPoints: configs.map((c) => c.config.mainEntryPointFilePath) });
  return configs.map(({ pkg, config }) => {
    const problems: string[] = [];
    const result = Extractor.invoke(config, {
      localBuild: local,
      compilerState,
      messageCallback: (message: ExtractorMessage) => {
        // "The report changed" is what `changed` says; everything else at warning or above is a problem.
        const quiet = message.messageId === 'console-api-report-changed' || message.messageId === 'console-api-report-copied' || message.messageId === 'console-api-report-created' ||
          message.messageId === 'console-api-report-not-copied';
        if (!quiet && (message.logLevel === ExtractorLogLevel.Error || message.logLevel === ExtractorLogLevel.Warning)) {
          problems.push(message.formatMessageWithLocation(ROOT));
        }
        message.handled = true;
      },
    });
    return { pkg, name: config.packageJson?.name ?? pkg, changed: result.apiReportChanged && !local, problems };
  });
}

if (require.main === module) {
  const local = process.argv.includes('--local');
  let failed = false;
  for (const r of runApiReports(local)) {
    const state = r.changed ? 'CHANGED (run `npm run api` and commit the report)' : local ? 'written' : 'unchanged';
    console.log(`${r.name}: ${state} packages/${r.pkg}/etc/${r.pkg}.api.md`);
    for (const p of r.problems) console.log(`  ${p}`);
    failed ||= r.changed || r.problems.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
