/**
 * Which MessagePack library for the binary codec: msgpackr or @msgpack/msgpack.
 * Encodes and decodes the same messages with both, alternating rounds in one process,
 * and prints operations per second and the ratio. Bounded: ROUNDS x ITERATIONS.
 */
import { Packr } from 'msgpackr';
import { decode, encode } from '@msgpack/msgpack';

const ROUNDS = 5;
const ITERATIONS = 200_000;
const messages = {
  ping: { kind: 'Ping', n: 123456 },
  turn: { kind: 'Turn', player: 'server', draw: 0.7311, event: 'Rebate', score: [7, 5] },
};
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

function measure(run: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) run();
  return ITERATIONS / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

for (const [name, message] of Object.entries(messages)) {
  const packed = packr.pack(message);
  const rates = { msgpackrEncode: [] as number[], msgpackEncode: [] as number[], msgpackrDecode: [] as number[], msgpackDecode: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    rates.msgpackrEncode.push(measure(() => packr.pack(message)));
    rates.msgpackEncode.push(measure(() => encode(message)));
    rates.msgpackrDecode.push(measure(() => packr.unpack(packed)));
    rates.msgpackDecode.push(measure(() => decode(packed)));
  }
  const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rates, number>;
  console.log(
    `${name}: encode msgpackr ${(m.msgpackrEncode / 1e6).toFixed(2)} M/s vs @msgpack/msgpack ${(m.msgpackEncode / 1e6).toFixed(2)} M/s (x${(m.msgpackrEncode / m.msgpackEncode).toFixed(2)}); ` +
      `decode msgpackr ${(m.msgpackrDecode / 1e6).toFixed(2)} M/s vs ${(m.msgpackDecode / 1e6).toFixed(2)} M/s (x${(m.msgpackrDecode / m.msgpackDecode).toFixed(2)})`,
  );
}
