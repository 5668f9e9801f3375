import { writeResultsSection } from './results-section';

/** A section of bench/RESULTS.md that a bench script owns (see {@link writeResultsSection}). */
export interface ResultsSection {
  /** The marker name: `<!-- name:start -->` … `<!-- name:end -->`. */
  readonly name: string;
  /** The heading of the section when the markers are missing and it is appended. */
  readonly heading: string;
}

/** What a bench script's `main` produced. */
export interface BenchOutcome {
  /** The Markdown to put into the script's section of bench/RESULTS.md; absent: write nothing (quick or filtered runs). */
  readonly section?: string;
}

/** How a bench script runs: its parent `main` and the child roles it forks itself into. */
export interface BenchEntry {
  /** The script's module: nothing runs when it is imported (a spec importing a helper) rather than run. */
  readonly module: NodeModule;
  /** The section of bench/RESULTS.md written with what {@link main} returns. */
  readonly section?: ResultsSection;
  /** The parent's work; prints its own output. */
  readonly main: () => Promise<BenchOutcome | void>;
  /** Child roles, run instead of {@link main} when the script is started with `--role <name>`. */
  readonly roles?: Readonly<Record<string, () => unknown>>;
  /** The role of this process (default: the value of `--role`), e.g. a cluster worker that has no `--role`. */
  readonly roleOf?: () => string | undefined;
  /** A child role ends (exit 0) when its parent goes away (default false: the role handles it). */
  readonly roleExitsOnDisconnect?: boolean;
  /** `main` resolving exits the process with 0 (default true: children or sockets may still be open). */
  readonly exitWhenDone?: boolean;
}

/** The value of `--role` on the command line, if any. */
function roleArgument(): string | undefined {
  const i = process.argv.indexOf('--role');
  return i === -1 ? undefined : process.argv[i + 1];
}

function failed(error: unknown): never {
  console.error(error);
  process.exit(1);
}

/**
 * The common ending of the bench scripts: when the script is the main module, run the child role
 * named by `--role` (or {@link BenchEntry.roleOf}), or else `main`; write `main`'s section into
 * bench/RESULTS.md (printing where), exit 0 when it resolves and 1 (with the error printed) when
 * it or a role rejects.
 *
 * @example
 * ```ts
 * runBenchEntry({
 *   module,
 *   section: { name: 'ws-path', heading: 'The WebSocket path (`npm run bench:ws`)' },
 *   roles: { load: loadRole },
 *   main: async () => ({ ...(quick ? {} : { section: table }) }),
 * });
 * ```
 */
export function runBenchEntry(entry: BenchEntry): void {
  if (require.main !== entry.module) return;
  const role = (entry.roleOf ?? roleArgument)();
  if (role !== undefined) {
    const run = entry.roles?.[role];
    if (run === undefined) failed(new Error(`unknown --role ${role}`));
    if (entry.roleExitsOnDisconnect === true) process.on('disconnect', () => process.exit(0));
    const running = run();
    if (running instanceof Promise) running.catch(failed);
    return;
  }
  entry.main().then((outcome) => {
    if (outcome?.section !== undefined && entry.section !== undefined) {
      const file = writeResultsSection(entry.section.name, entry.section.heading, outcome.section);
      if (file !== undefined) console.log(`written to ${file}`);
    }
    if (entry.exitWhenDone !== false) process.exit(0);
  }, failed);
}
