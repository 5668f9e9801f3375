import { z } from 'zod';
import { util } from 'zod/v4/core';

/**
 * A validator precompiled from a flat zod object schema: the parsed message when the value is
 * valid, `undefined` otherwise. Where it accepts, the result is what zod's `safeParse` gives (same
 * keys in the same order, unknown keys stripped, arrays copied); where it says `undefined`, the
 * caller asks zod, which produces zod's own issues. So it is a fast path only: never a second
 * opinion.
 */
export type FlatValidator = (value: object) => Record<string, unknown> | undefined;

/** The parts of a zod 4 schema's definition this module reads (zod's `_zod.def`, typed loosely). */
interface Def {
  readonly type: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly check?: string;
  readonly format?: string;
  readonly coerce?: boolean;
  readonly innerType?: Schema;
  readonly element?: Schema;
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly catchall?: unknown;
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, unknown>>;
}
interface CheckDef {
  readonly check: string;
  readonly format?: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
}
interface Schema {
  readonly _zod: { readonly def: Def };
}

/** A check of one primitive value; `undefined` from the compiler means "not supported here". */
type Leaf = (value: unknown) => boolean;

interface Field {
  readonly key: string;
  readonly check: Leaf;
  /** `undefined` is accepted (`.optional()`): the key is copied only if the input has it. */
  readonly optional: boolean;
  /** An array of primitives: the output gets a copy, like zod's. */
  readonly array: boolean;
}

/**
 * Compile `schema` into a {@link FlatValidator} when it is flat: a `z.object` (default unknown-key
 * handling: strip) without refinements whose fields are strings (optionally with min/max length),
 * numbers (optionally integer, with bounds), booleans, `null`, literals, string enums, those
 * `.nullable()`, arrays of them, and any of these `.optional()`. Anything else (transforms, refinements,
 * defaults, coercion, nested objects, unions, strict or passthrough objects) gives `undefined`:
 * zod validates it.
 * @returns the validator, or `undefined` when the schema is not flat.
 */
export function compileFlatValidator(schema: z.ZodObject): FlatValidator | undefined {
  const def = defOf(schema);
  if (def === undefined || def.type !== 'object' || def.catchall !== undefined || hasChecks(def) || def.shape === undefined) return undefined;
  const fields: Field[] = [];
  for (const key of Object.keys(def.shape)) {
    // Keys a plain object cannot hold as data: zod writes them with its own semantics.
    if (key === '__proto__') return undefined;
    const field = compileField(key, def.shape[key]!);
    if (field === undefined) return undefined;
    fields.push(field);
  }
  return generated(fields) ?? ((value) => validate(fields, value as Record<string, unknown>));
}

/** Most optional keys a generated validator handles: it holds one object literal per subset of them present. */
const MAX_GENERATED_OPTIONAL = 3;

/**
 * The validator of `fields` as generated code, when code generation is allowed (as for zod): the
 * output is an object literal (one hidden class, no per-key store; in the decode profile the
 * validator went from 15% of the time to inlined into `MessageSet.parse`'s 3%); same checks, same
 * output (keys in shape order) as {@link validate}'s loop. With optional keys there is one literal
 * per subset of them present (up to {@link MAX_GENERATED_OPTIONAL} optional keys).
 * Keys are embedded with `JSON.stringify`; values are checked by the same compiled leaves.
 */
function generated(fields: readonly Field[]): FlatValidator | undefined {
  const optional = fields.filter((f) => f.optional).length;
  if (fields.length === 0 || fields.length > 64 || optional > MAX_GENERATED_OPTIONAL) return undefined;
  // zod's own decision, so that code is generated exactly where zod generates its own: not under
  // `z.config({ jitless: true })` (a page whose Content-Security-Policy forbids eval reports even a
  // refused probe) and not where zod's one probe found `new Function` refused.
  if (z.config().jitless === true || !util.allowsEval.value) return undefined;
  const body: string[] = [];
  /** Per field: its bit in `present` (optional keys), or -1. */
  const bits: number[] = [];
  fields.forEach((f, i) => {
    const key = JSON.stringify(f.key);
    body.push(`const v${i} = input[${key}];`);
    if (f.optional) {
      const bit = 1 << bits.filter((b) => b >= 0).length;
      bits.push(bit);
      // zod keeps an optional key that is present with `undefined`, and leaves out a missing one.
      if (f.array) body.push(`let a${i};`);
      body.push(`if (v${i} === undefined) { if (${key} in input) present |= ${bit}; }`);
      body.push(`else { present |= ${bit}; ${check(f, i)} }`);
    } else {
      bits.push(-1);
      // A required key: every leaf check refuses `undefined`.
      body.push(check(f, i));
    }
  });
  const literal = (mask: number): string =>
    `{ ${fields
      .map((f, i) => (bits[i]! < 0 || (mask & bits[i]!) !== 0 ? `${JSON.stringify(f.key)}: ${f.array ? 'a' : 'v'}${i}` : ''))
      .filter((p) => p !== '')
      .join(', ')} }`;
  const ret =
    optional === 0
      ? `return ${literal(0)};`
      : `switch (present) {\n${Array.from({ length: 1 << optional }, (_, m) => `case ${m}: return ${literal(m)};`).join('\n')}\n}\nreturn undefined;`;
  const leaves = fields.map((_, i) => `const c${i} = c[${i}];`).join('\n');
  const source = `${leaves}\nreturn function validateFlat(input) {\nlet present = 0;\n${body.join('\n')}\n${ret}\n};`;
  // The generated source holds only JSON-quoted keys, indices and bit masks: no user text is evaluated.
  const make = new Function('c', 'copyChecked', source) as (c: readonly Leaf[], copy: typeof copyChecked) => FlatValidator;
  return make(
    fields.map((f) => f.check),
    copyChecked,
  );
}

/** The statements checking field `i` (its value in `v<i>`, an array's copy into `a<i>`). */
function check(f: Field, i: number): string {
  return f.array ? `${f.optional ? '' : 'const '}a${i} = copyChecked(v${i}, c${i}); if (a${i} === undefined) return undefined;` : `if (!c${i}(v${i})) return undefined;`;
}

/** A copy of `v` when it is an array whose every element passes `check`, else `undefined`. */
function copyChecked(v: unknown, check: Leaf): unknown[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const n = v.length;
  const copy = new Array<unknown>(n);
  for (let j = 0; j < n; j++) {
    const e: unknown = v[j];
    if (!check(e)) return undefined;
    copy[j] = e;
  }
  return copy;
}

function validate(fields: readonly Field[], input: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = input[f.key];
    if (v === undefined) {
      if (!f.optional) return undefined;
      // zod keeps an optional key that is present with `undefined`, and leaves out a missing one.
      if (f.key in input) out[f.key] = undefined;
      continue;
    }
    if (f.array) {
      if (!Array.isArray(v)) return undefined;
      const n = v.length;
      const copy = new Array<unknown>(n);
      for (let j = 0; j < n; j++) {
        const e: unknown = v[j];
        if (!f.check(e)) return undefined;
        copy[j] = e;
      }
      out[f.key] = copy;
    } else {
      if (!f.check(v)) return undefined;
      out[f.key] = v;
    }
  }
  return out;
}

function compileField(key: string, schema: Schema): Field | undefined {
  let def = defOf(schema);
  let optional = false;
  if (def?.type === 'optional' && !hasChecks(def)) {
    optional = true;
    def = defOf(def.innerType);
  }
  if (def?.type === 'array' && !hasChecks(def)) {
    const check = compileNullable(defOf(def.element));
    return check === undefined ? undefined : { key, check, optional, array: true };
  }
  const check = compileNullable(def);
  return check === undefined ? undefined : { key, check, optional, array: false };
}

function compileNullable(def: Def | undefined): Leaf | undefined {
  if (def?.type !== 'nullable' || hasChecks(def)) return compileLeaf(def);
  const inner = compileLeaf(defOf(def.innerType));
  return inner === undefined ? undefined : (v) => v === null || inner(v);
}

function compileLeaf(def: Def | undefined): Leaf | undefined {
  if (def === undefined || def.coerce === true) return undefined;
  switch (def.type) {
    case 'string':
      return compileString(def);
    case 'number':
      return compileNumber(def);
    case 'boolean':
      return def.check === undefined && !hasChecks(def) ? (v) => typeof v === 'boolean' : undefined;
    case 'null':
      return def.check === undefined && !hasChecks(def) ? (v) => v === null : undefined;
    case 'literal':
      return compileValues(def, def.values);
    case 'enum':
      // String enums only: a numeric TypeScript enum's entries hold reverse mappings zod filters out.
      return def.entries !== undefined && Object.entries(def.entries).every(([k, v]) => typeof v === 'string' && !/^\d/.test(k))
        ? compileValues(def, Object.values(def.entries))
        : undefined;
    default:
      return undefined;
  }
}

function compileValues(def: Def, values: readonly unknown[] | undefined): Leaf | undefined {
  if (values === undefined || values.length === 0 || def.check !== undefined || hasChecks(def)) return undefined;
  if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v)))) return undefined;
  if (values.length === 1) {
    const only = values[0];
    return (v) => v === only;
  }
  const set = new Set(values);
  return (v) => set.has(v);
}

function compileString(def: Def): Leaf | undefined {
  if (def.check !== undefined || def.format !== undefined) return undefined;
  let min = 0;
  let max = Infinity;
  for (const c of def.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'min_length' && typeof cd.minimum === 'number') min = Math.max(min, cd.minimum);
    else if (cd.check === 'max_length' && typeof cd.maximum === 'number') max = Math.min(max, cd.maximum);
    else return undefined;
  }
  if (min === 0 && max === Infinity) return (v) => typeof v === 'string';
  return (v) => typeof v === 'string' && v.length >= min && v.length <= max;
}

function compileNumber(def: Def): Leaf | undefined {
  // `z.int()` is itself a format check; `z.number().int()` carries one in its checks.
  let int = false;
  if (def.check !== undefined) {
    if (def.check !== 'number_format' || def.format !== 'safeint') return undefined;
    int = true;
  }
  let lo = -Infinity;
  let loIncl = true;
  let hi = Infinity;
  let hiIncl = true;
  for (const c of def.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === 'number_format' && cd.format === 'safeint') int = true;
    else if (cd.check === 'greater_than' && typeof cd.value === 'number' && cd.value >= lo) {
      loIncl = cd.value === lo ? loIncl && cd.inclusive === true : cd.inclusive === true;
      lo = cd.value;
    } else if (cd.check === 'less_than' && typeof cd.value === 'number' && cd.value <= hi) {
      hiIncl = cd.value === hi ? hiIncl && cd.inclusive === true : cd.inclusive === true;
      hi = cd.value;
    } else return undefined;
  }
  const bounded = lo !== -Infinity || hi !== Infinity;
  const inRange = (v: number): boolean => (loIncl ? v >= lo : v > lo) && (hiIncl ? v <= hi : v < hi);
  if (int) return bounded ? (v) => Number.isSafeInteger(v) && inRange(v as number) : (v) => Number.isSafeInteger(v);
  return bounded ? (v) => typeof v === 'number' && Number.isFinite(v) && inRange(v) : (v) => typeof v === 'number' && Number.isFinite(v);
}

function hasChecks(def: Def): boolean {
  return def.checks !== undefined && def.checks.length > 0;
}

/** A zod schema's definition; `undefined` for anything that does not look like a zod 4 schema. */
function defOf(schema: unknown): Def | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  // zod 4 keeps every schema's definition at `_zod.def`: read through an unknown record, then checked.
  const internals = (schema as { readonly _zod?: { readonly def?: unknown } })._zod;
  const def = internals?.def;
  return typeof def === 'object' && def !== null && typeof (def as { type?: unknown }).type === 'string' ? (def as Def) : undefined;
}
