/**
 * The decode path alone, in process: how many messages per second each receiver turns a block of
 * received bytes into validated messages, without sockets or rxjs delivery. Separates the decode
 * cost (framer + codec + validation) from the rest of the one-way path measured by decode-path.ts.
 */
import { performance } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { LineSplitter, asNumbered } from './adapters/json-lines';
import { loadRxmsg, type BenchProtocol } from './adapters/bench-protocols';
import { pingBlock } from './raw-load';

/**
 * The decoders compared: the raw baseline and the rxmsg decode path in three settings; the `-before`
 * ones decode as rxmsg did before issue 16 (the "before", in the same run): every message validated
 * with zod's `safeParse` (no precompiled validator for flat schemas), and MessagePack always
 * unpacked by msgpackr (no fast path for flat maps), with the binary codec's options.
 */
export const MICRO_DECODERS = ['raw-json', 'rxmsg-text', 'rxmsg-text-tag', 'rxmsg-binary', 'rxmsg-text-before', 'rxmsg-binary-before'] as const;
/** One of {@link MICRO_DECODERS}. */
export type MicroDecoder = (typeof MICRO_DECODERS)[number];

/** The binary codec's msgpackr options (packages/core/src/binary-codec.ts), for the `-before` decoder. */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

/** A block of `{"kind":"Ping","n":i}` lines of at least `bytes` bytes, and how many lines it holds. */
export function pingLines(bytes: number): { readonly block: Buffer; readonly frames: number } {
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const line = `{"kind":"Ping","n":${n}}\n`;
    lines.push(line);
    size += line.length;
  }
  return { block: Buffer.from(lines.join('')), frames: lines.length };
}

/** The rxmsg inbound path for one chunk, as the runtime's inbound pump runs it: framer, control check, codec, validation. */
function rxmsgDecoder(protocol: BenchProtocol, validation: 'full' | 'tag' | 'before'): (chunk: Buffer) => number {
  const codec = protocol.codec;
  const unpack = validation === 'before' && codec.name === 'binary' ? (frame: Uint8Array | string): unknown => packr.unpack(frame as Uint8Array) : codec.decode;
  const framer = codec.createFramer(1 << 20);
  const inbound = protocol.client;
  const zodPing = z.object({ n: z.number().int().min(0) }).extend({ kind: z.literal('Ping') });
  const viaZod = (value: unknown): unknown => {
    const r = zodPing.safeParse(value);
    return r.success ? r.data : r.error;
  };
  return (chunk) => {
    framer.push(chunk);
    let ok = 0;
    for (let frame = framer.next(); frame !== undefined; frame = framer.next()) {
      if (typeof frame === 'object' && !(frame instanceof Uint8Array)) throw frame;
      if (codec.controlOf(frame) !== undefined) continue;
      const value = unpack(frame);
      const m = validation === 'full' ? inbound.parse(value) : validation === 'tag' ? inbound.parseTag(value) : viaZod(value);
      if (m instanceof Error) throw m;
      ok++;
    }
    return ok;
  };
}

/** The raw baseline's data handler: UTF-8 to a string, split lines, `JSON.parse`, check the tag and `n`. */
function rawDecoder(): (chunk: Buffer) => number {
  const splitter = new LineSplitter();
  let ok = 0;
  const onLine = (line: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (asNumbered(value, 'Ping') !== undefined) ok++;
  };
  return (chunk) => {
    ok = 0;
    splitter.push(chunk.toString('utf8'), onLine);
    return ok;
  };
}

/**
 * Messages per CPU second `decoder` gets out of 64 KiB blocks of Pings in about `ms` milliseconds
 * (CPU time of this process: steadier than wall time on a shared machine).
 * Each block is a fresh copy, like a socket's chunk.
 */
export function microRate(decoder: MicroDecoder, ms: number): number {
  const { protocols } = loadRxmsg();
  const text = pingLines(64 * 1024);
  const binary = pingBlock(64 * 1024);
  const isBinary = decoder === 'rxmsg-binary' || decoder === 'rxmsg-binary-before';
  const source = isBinary ? binary : text;
  const decode =
    decoder === 'raw-json'
      ? rawDecoder()
      : rxmsgDecoder(isBinary ? protocols.binary : protocols.text, decoder === 'rxmsg-text-tag' ? 'tag' : decoder.endsWith('-before') ? 'before' : 'full');
  // Warm-up (the JIT), then the measured period.
  timed(decode, source, ms / 2, decoder);
  return timed(decode, source, ms, decoder);
}

function timed(decode: (chunk: Buffer) => number, source: { readonly block: Buffer; readonly frames: number }, ms: number, decoder: string): number {
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  // Bounded: stops after `ms` (checked once per block).
  while (t - t0 < ms) {
    const got = decode(Buffer.from(source.block));
    if (got !== source.frames) throw new Error(`${decoder}: decoded ${got} of ${source.frames} messages`);
    count += got;
    t = performance.now();
  }
  // Per CPU second of this process, not per wall second: time the machine gives to other processes does not count.
  const cpu = process.cpuUsage(cpu0);
  return (count * 1e6) / Math.max(1, cpu.user + cpu.system);
}
