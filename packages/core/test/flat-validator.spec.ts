import { expect } from 'chai';
import fc from 'fast-check';
import { z } from 'zod';
import { InvalidMessageError, MessageSet } from '@rxmsg/core';
import { compileFlatValidator } from '../src/flat-validator';

const RUNS = { numRuns: 1000 };

/** A leaf type of a flat schema, as data (so fast-check can shrink it), and its zod schema. */
type Leaf =
  | { readonly t: 'string'; readonly min?: number | undefined; readonly max?: number | undefined }
  | { readonly t: 'number'; readonly int: boolean; readonly lo?: number | undefined; readonly loIncl: boolean; readonly hi?: number | undefined; readonly hiIncl: boolean }
  | { readonly t: 'boolean' }
  | { readonly t: 'null' }
  | { readonly t: 'literal'; readonly values: readonly (string | number | boolean | null)[] }
  | { readonly t: 'enum'; readonly values: readonly string[] };
interface FieldSpec {
  readonly leaf: Leaf;
  readonly nullable: boolean;
  readonly array: boolean;
  readonly optional: boolean;
}

const small = fc.integer({ min: -3, max: 3 });
const word = fc.constantFrom('a', 'b', 'Ping', '', 'é', 'zz');
const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ t: fc.constant('string' as const), min: fc.option(fc.nat(3), { nil: undefined, freq: 2 }), max: fc.option(fc.nat(4), { nil: undefined, freq: 2 }) }, { requiredKeys: ['t'] }),
  fc.record(
    { t: fc.constant('number' as const), int: fc.boolean(), lo: fc.option(small, { nil: undefined, freq: 2 }), loIncl: fc.boolean(), hi: fc.option(small, { nil: undefined, freq: 2 }), hiIncl: fc.boolean() },
    { requiredKeys: ['t', 'int', 'loIncl', 'hiIncl'] },
  ),
  fc.constant({ t: 'boolean' as const }),
  fc.constant({ t: 'null' as const }),
  fc.record({ t: fc.constant('literal' as const), values: fc.array(fc.oneof(word, small, fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 3 }) }),
  fc.record({ t: fc.constant('enum' as const), values: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'Ping'), { minLength: 1, maxLength: 3 }) }),
);
const fieldArb: fc.Arbitrary<FieldSpec> = fc.record({ leaf: leafArb, nullable: fc.boolean(), array: fc.boolean(), optional: fc.boolean() });
const keyArb: fc.Arbitrary<string> = fc.constantFrom('n', 'name', 'x', 'y', 'ok', 'list', 'rid');
const specArb = fc.uniqueArray(fc.tuple(keyArb, fieldArb), { maxLength: 5, selector: ([k]) => k });
/** Required keys only (the validator is then generated code), with keys that need quoting or are integer-like. */
const oddKeyArb: fc.Arbitrary<string> = fc.constantFrom('n', 'a"b', 'back\\slash', '0', '12', 'constructor', 'toString', 'with space', '\u2028', "it's");
const requiredSpecArb = fc.uniqueArray(fc.tuple(oddKeyArb, fieldArb.map((f) => ({ ...f, optional: false }))), {
  minLength: 1,
  maxLength: 5,
  selector: ([k]) => k,
});

function leafSchema(l: Leaf): z.ZodType {
  switch (l.t) {
    case 'string': {
      let s = z.string();
      if (l.min !== undefined) s = s.min(l.min);
      if (l.max !== undefined) s = s.max(l.max);
      return s;
    }
    case 'number': {
      let s = l.int ? z.number().int() : z.number();
      if (l.lo !== undefined) s = l.loIncl ? s.gte(l.lo) : s.gt(l.lo);
      if (l.hi !== undefined) s = l.hiIncl ? s.lte(l.hi) : s.lt(l.hi);
      return s;
    }
    case 'boolean':
      return z.boolean();
    case 'null':
      return z.null();
    case 'literal':
      return z.literal(l.values);
    case 'enum':
      return z.enum(l.values as [string, ...string[]]);
  }
}

function schemaOf(spec: readonly (readonly [string, FieldSpec])[]): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, f] of spec) {
    let s = leafSchema(f.leaf);
    if (f.nullable) s = s.nullable();
    if (f.array) s = z.array(s);
    if (f.optional) s = s.optional();
    shape[key] = s;
  }
  return z.object(shape).extend({ kind: z.literal('M') });
}

/** Values of every JSON type and the edge cases validators get wrong. */
const scalarArb = fc.oneof(
  fc.constantFrom<unknown>(0, -0, 1, -1, 1.5, 3, -3, 2 ** 53, -(2 ** 53), Number.NaN, Infinity, -Infinity, '', 'a', 'b', 'Ping', 'zz', 'abcde', 'é', true, false, null, undefined),
  fc.string({ maxLength: 6 }),
  fc.double(),
  small,
);
const valueArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: scalarArb }, fc.array(scalarArb, { maxLength: 4 }), fc.constant({}), fc.constant({ n: 1 }));

const numberArb = fc.oneof(fc.constantFrom(0, -0, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), Number.NaN, Infinity, -Infinity), small, fc.double());

/** A value for a leaf: mostly of its type (edge cases included), sometimes anything. */
function leafValueArb(l: Leaf): fc.Arbitrary<unknown> {
  const typed: fc.Arbitrary<unknown> =
    l.t === 'string'
      ? fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', 'a', 'abcde'))
      : l.t === 'number'
        ? numberArb
        : l.t === 'boolean'
          ? fc.boolean()
          : l.t === 'null'
            ? fc.constant(null)
            : fc.oneof(fc.constantFrom<unknown>(...l.values), word);
  return fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: scalarArb });
}

/** A value for a field: of its shape most of the time (null for a nullable, an array for an array). */
function fieldValueArb(f: FieldSpec): fc.Arbitrary<unknown> {
  const leaf = f.nullable ? fc.oneof({ weight: 3, arbitrary: leafValueArb(f.leaf) }, { weight: 1, arbitrary: fc.constant(null) }) : leafValueArb(f.leaf);
  const shaped = f.array ? fc.array(leaf, { maxLength: 3 }) : leaf;
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: valueArb }, { weight: 1, arbitrary: fc.constant(undefined) });
}

const ABSENT = Symbol('absent');

/** A message for `spec`: each key with a value (mostly of its type) or absent; an extra key at times; the tag first or last. */
const messageArb = (spec: readonly (readonly [string, FieldSpec])[]): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.tuple(...spec.map(([, f]) => fc.oneof({ weight: 8, arbitrary: fieldValueArb(f) }, { weight: 1, arbitrary: fc.constant<unknown>(ABSENT) }))),
      fc.option(valueArb, { nil: ABSENT as unknown }),
      fc.constantFrom<unknown>('M', 'M', 'M', 'M', 'N', undefined),
      fc.boolean(),
    )
    .map(([values, extra, kind, kindFirst]) => {
      const out: Record<string, unknown> = {};
      if (kindFirst) out.kind = kind;
      spec.forEach(([key], i) => {
        if (values[i] !== ABSENT) out[key] = values[i];
      });
      if (extra !== ABSENT) out.extra = extra;
      if (!kindFirst) out.kind = kind;
      return out;
    });

/** Deep equality that also compares key order and tells -0 from 0 (what a consumer could observe). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe('compileFlatValidator', () => {
  it('accepts exactly what zod accepts, with zod\'s output (generated flat schemas and messages)', () => {
    agreesWithZod(specArb, 0.1);
  });

  it('agrees with zod when every key is required (generated code), keys needing quotes and integer-like keys included', () => {
    // Fewer messages pass when no key may be missing.
    agreesWithZod(requiredSpecArb, 0.03);
  });

  function agreesWithZod(specs: typeof specArb, minAccepted: number): void {
    let accepted = 0;
    let checked = 0;
    fc.assert(
      fc.property(
        specs.chain((spec) => fc.tuple(fc.constant(spec), fc.array(messageArb(spec), { minLength: 1, maxLength: 8 }))),
        ([spec, messages]) => {
          const schema = schemaOf(spec);
          const fast = compileFlatValidator(schema);
          expect(fast, 'a flat schema compiles').to.not.equal(undefined);
          for (const m of messages) {
            const zr = schema.safeParse(m);
            const fr = fast!(m);
            if (zr.success) accepted++;
            checked++;
            expect(fr !== undefined, `accepts ${String(JSON.stringify(m))}`).to.equal(zr.success);
            if (fr !== undefined) {
              expect(same(fr, zr.data), 'same output as zod').to.equal(true);
              expect(fr).to.not.equal(m);
            }
          }
        },
      ),
      RUNS,
    );
    // The generator is worth something only if it produces valid messages as well as invalid ones.
    expect(accepted).to.be.greaterThan(checked * minAccepted);
    expect(accepted).to.be.lessThan(checked * 0.9);
  }

  it('copies arrays and keeps an optional key present with undefined, like zod', () => {
    const schema = z.object({ list: z.array(z.number()), a: z.string().optional(), b: z.string().optional() });
    const input = { b: undefined, list: [1, 2], extra: true };
    const out = compileFlatValidator(schema)!(input)!;
    expect(same(out, schema.parse(input))).to.equal(true);
    expect(Object.keys(out)).to.deep.equal(['list', 'b']);
    expect(out.list).to.not.equal(input.list);
    const zeros = { list: [-0, 0], a: 'x' };
    const z0 = compileFlatValidator(schema)!(zeros)!;
    expect(same(z0, schema.parse(zeros))).to.equal(true);
    expect(Object.is((z0.list as number[])[0], -0)).to.equal(true);
  });

  it('generates no code under z.config({ jitless: true }) (a page whose CSP forbids eval), and still validates', () => {
    const saved = z.config().jitless;
    const RealFunction = globalThis.Function;
    let generated = 0;
    // Counts any `new Function` made while the stub is in place (its argument list is the source).
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args: string[]) {
        generated++;
        return Reflect.construct(target, args) as object;
      },
    });
    try {
      z.config({ jitless: true });
      const schema = z.object({ kind: z.literal('M'), n: z.number().int(), tags: z.array(z.string()) });
      const validate = compileFlatValidator(schema)!;
      const input = { kind: 'M', n: 1, tags: ['a'], extra: 0 };
      expect(same(validate(input), schema.parse(input))).to.equal(true);
      expect(validate({ kind: 'M', n: 1.5, tags: [] })).to.equal(undefined);
      expect(generated).to.equal(0);
    } finally {
      globalThis.Function = RealFunction;
      z.config({ jitless: saved });
    }
  });

  it('leaves to zod every schema that is not flat', () => {
    const notFlat: z.ZodObject[] = [
      z.object({ a: z.string().transform((s) => s.length) }),
      z.object({ a: z.string().refine((s) => s !== 'x') }),
      z.object({ a: z.string() }).refine((m) => m.a !== 'x'),
      z.object({ a: z.string().default('d') }),
      z.object({ a: z.coerce.number() }),
      z.object({ a: z.object({ b: z.string() }) }),
      z.object({ a: z.union([z.string(), z.number()]) }),
      z.object({ a: z.email() }),
      z.object({ a: z.string().trim() }),
      z.object({ a: z.string().length(2) }),
      z.object({ a: z.number().multipleOf(2) }),
      z.object({ a: z.array(z.string()).min(1) }),
      z.object({ a: z.string().optional().nullable() }),
      z.object({ a: z.string() }).strict(),
      z.object({ a: z.string() }).loose(),
      z.object({ a: z.bigint() }),
      z.object({ a: z.date() }),
    ];
    for (const schema of notFlat) expect(compileFlatValidator(schema), JSON.stringify(schema._zod.def.shape.a?._zod.def.type)).to.equal(undefined);
  });
});

describe('MessageSet.parse with precompiled validators', () => {
  it('returns what zod returns, and zod\'s own issues on a reject', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), fc.array(messageArb(spec), { minLength: 1, maxLength: 8 }))),
        ([spec, messages]) => {
          const schema = schemaOf(spec);
          const shape = { ...schema.shape };
          delete (shape as Record<string, unknown>).kind;
          const set = new MessageSet<unknown>('kind', { M: z.object(shape) });
          for (const m of messages) {
            if (m.kind !== 'M') continue;
            const zr = schema.safeParse(m);
            const got = set.parse(m);
            if (zr.success) expect(same(got, zr.data)).to.equal(true);
            else {
              expect(got).to.be.instanceOf(InvalidMessageError);
              const issues = zr.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }));
              expect((got as InvalidMessageError).issues).to.deep.equal(issues);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('contains a value whose property read throws (a codec\'s exotic value): an InvalidMessageError, like a throwing schema', () => {
    const set = new MessageSet<unknown>('kind', { M: z.object({ a: z.string() }) });
    const exotic = Object.defineProperty({ kind: 'M' }, 'a', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const got = set.parse(exotic);
    expect(got).to.be.instanceOf(InvalidMessageError);
    expect((got as InvalidMessageError).code).to.equal(new InvalidMessageError('M', []).code);
    expect((got as InvalidMessageError).cause).to.be.instanceOf(Error);
  });

  it('still runs zod for a schema that is not flat (its transform applies)', () => {
    const set = new MessageSet<unknown>('kind', { M: z.object({ a: z.string().transform((s) => s.length) }) });
    expect(set.parse({ kind: 'M', a: 'abc' })).to.deep.equal({ a: 3, kind: 'M' });
  });
});
