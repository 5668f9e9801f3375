/** A bad command line: reported with the usage text, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options of `npm run bench -- …`. */
export interface BenchOptions {
  /** Tiny counts and one repetition: checks the harness end to end in seconds, says nothing about speed. */
  readonly quick: boolean;
  /** Workload names to run (all when empty). */
  readonly workloads: readonly string[];
  /** System names to run (all when empty). */
  readonly systems: readonly string[];
  /** Repetitions per workload × system, each in fresh processes. */
  readonly repetitions: number;
  /** Pass `--cpu-prof` to every server and client process. */
  readonly cpuProf: boolean;
  /** Directory of the JSON result (default `bench/results`). */
  readonly out: string | undefined;
  /** Rewrite `bench/RESULTS.md` (default: only for a full, unfiltered, unprofiled run). */
  readonly markdown: boolean | undefined;
  readonly help: boolean;
  /** Counts and measured periods of full-mode runs scaled by this factor (0.01–1; default 1): a shorter run on a busy machine. */
  readonly scale?: number;
}

export const USAGE = `usage: npm run bench -- [options]   (or: node bench/dist/run.js [options])

  --quick              tiny counts, 1 repetition, 3 runs at a time, unpinned: an end-to-end check, not a measurement
  --workload a,b       only these workloads (ping-pong, one-way, pipelined, fan-in-200, fan-in-2000, handover, idle-10k)
  --system x,y         only these systems (see the list printed at the start)
  --repetitions n      repetitions per workload x system, fresh processes each (default 3, quick 1)
  --cpu-prof           run servers and clients with --cpu-prof; profiles go to bench/profiles/
  --out dir            directory for the JSON result and its SVG chart (default bench/results)
  --markdown           rewrite bench/RESULTS.md even for a quick, filtered or profiled run
  --no-markdown        do not rewrite bench/RESULTS.md
  --scale f            full-mode counts and measured periods times f (0.01 to 1; default 1), time limits unchanged
  --help               this text`;

/** Parse the command line. @throws {@link UsageError} on a bad option. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let workloads: string[] = [];
  let systems: string[] = [];
  let repetitions: number | undefined;
  let cpuProf = false;
  let out: string | undefined;
  let markdown: boolean | undefined;
  let help = false;
  let scale: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      return next;
    };
    const list = (): string[] => value().split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    switch (name) {
      case '--quick':
        quick = true;
        break;
      case '--workload':
      case '--workloads':
        workloads = workloads.concat(list());
        break;
      case '--system':
      case '--systems':
        systems = systems.concat(list());
        break;
      case '--repetitions': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError('--repetitions must be an integer from 1 to 100');
        repetitions = n;
        break;
      }
      case '--cpu-prof':
        cpuProf = true;
        break;
      case '--out':
        out = value();
        break;
      case '--markdown':
        markdown = true;
        break;
      case '--no-markdown':
        markdown = false;
        break;
      case '--scale': {
        const f = Number(value());
        if (!(f >= 0.01 && f <= 1)) throw new UsageError('--scale must be a number from 0.01 to 1');
        scale = f;
        break;
      }
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { quick, workloads, systems, repetitions: repetitions ?? (quick ? 1 : 3), cpuProf, out, markdown, help, ...(scale === undefined ? {} : { scale }) };
}
