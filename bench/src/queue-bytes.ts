/**
 * How the outbound queue should count `sendQueueBytes` for text chunks: `npm run bench:queue-bytes`.
 *
 * Each strategy runs the queue's hot path for a batch of JSON lines: count every chunk as it is
 * queued, then join the batch into one write and UTF-8 encode it (as `socket.write(string)` does).
 * `encode at enqueue` encodes each line when it is queued and joins bytes instead, so the write
 * needs no encoding. `length` is the old, wrong count (UTF-16 units), the baseline of the ratios.
 * Strategies alternate round by round in one process; medians of the rounds are reported.
 * Bounded: ROUNDS x STRATEGIES x BATCHES.
 */
import { concatBytes, utf8Length } from '@rxmsg/node/internal';

const ROUNDS = 9;
const BATCHES = 5_000;
const BATCH = 64;

const encoder = new TextEncoder();
/** Where the joined write is encoded, standing in for the socket's write buffer. */
const sink = new Uint8Array(1 << 20);
/** Scratch space for counting with `encodeInto` (3 bytes per UTF-16 unit at most). */
const scratch = new Uint8Array(1 << 16);
const NON_ASCII = /[^\x00-\x7f]/;

interface Strategy {
  readonly name: string;
  /** One batch: count each line, then produce the encoded write. @returns the bytes counted. */
  batch(lines: readonly string[]): number;
}

function joinAndEncode(lines: readonly string[]): void {
  encoder.encodeInto(lines.join(''), sink);
}

const strategies: readonly Strategy[] = [
  {
    name: 'length (old)',
    batch(lines) {
      let n = 0;
      for (let i = 0; i < lines.length; i++) n += lines[i]!.length;
      joinAndEncode(lines);
      return n;
    },
  },
  {
    name: 'utf8Length (core)',
    batch(lines) {
      let n = 0;
      for (let i = 0; i < lines.length; i++) n += utf8Length(lines[i]!);
      joinAndEncode(lines);
      return n;
    },
  },
  {
    name: 'regex ASCII test, else utf8Length',
    batch(lines) {
      let n = 0;
      for (let i = 0; i < lines.length; i++) {
        const s = lines[i]!;
        n += NON_ASCII.test(s) ? utf8Length(s) : s.length;
      }
      joinAndEncode(lines);
      return n;
    },
  },
  {
    name: 'encodeInto scratch',
    batch(lines) {
      let n = 0;
      for (let i = 0; i < lines.length; i++) n += encoder.encodeInto(lines[i]!, scratch).written;
      joinAndEncode(lines);
      return n;
    },
  },
  {
    name: 'encode at enqueue',
    batch(lines) {
      let n = 0;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < lines.length; i++) {
        const bytes = encoder.encode(lines[i]!);
        parts.push(bytes);
        n += bytes.length;
      }
      concatBytes(parts, n);
      return n;
    },
  },
];

function lines(make: (i: number) => unknown): string[] {
  return Array.from({ length: BATCH }, (_, i) => JSON.stringify(make(i)) + '\n');
}

const workloads: Record<string, string[]> = {
  'small ASCII (bench Pong)': lines((i) => ({ kind: 'Pong', n: 100_000 + i })),
  '~200 B ASCII': lines((i) => ({ kind: 'Event', n: i, text: 'x'.repeat(160), tags: ['alpha', 'beta'] })),
  '~200 B mixed UTF-8': lines((i) => ({ kind: 'Event', n: i, text: 'Grüße, 世界 — '.repeat(12) })),
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

let check = 0;
for (const [workload, batch] of Object.entries(workloads)) {
  const ns: number[][] = strategies.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    strategies.forEach((strategy, k) => {
      const start = process.hrtime.bigint();
      for (let b = 0; b < BATCHES; b++) check += strategy.batch(batch);
      ns[k]!.push(Number(process.hrtime.bigint() - start) / (BATCHES * BATCH));
    });
  }
  const base = median(ns[0]!);
  console.log(`\n${workload}: ns per queued line (median of ${ROUNDS} rounds), ratio to the old count (below 1 is faster)`);
  strategies.forEach((strategy, k) => {
    const m = median(ns[k]!);
    console.log(`  ${strategy.name.padEnd(36)} ${m.toFixed(1).padStart(7)} ns  ${(m / base).toFixed(2)}x`);
  });
}
// Keeps the work observable so that nothing is optimised away.
if (check === 0) console.log('no bytes counted');
