import { z } from 'zod';
import { ProtocolDefinitionError } from './errors';
import type { MessageSchema } from './protocol';

/** A JSON value, as found in a generated document. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object, as found in a generated document. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * Marks a part of a schema that JSON Schema cannot express (a `z.date()`, `z.bigint()`,
 * `z.custom()`): it accepts any value there, and the annotation says what zod checks instead.
 */
export const UNREPRESENTABLE_KEYWORD = 'x-rxmsg-unrepresentable';

/**
 * Marks a schema with a custom check (`.refine`, `.superRefine`, `.check`): the receiver's zod
 * schema may refuse a value this JSON Schema accepts (it answers `MESSAGE_INVALID`).
 */
export const REFINED_KEYWORD = 'x-rxmsg-refined';

/**
 * The JSON Schema (draft-07, the dialect of AsyncAPI 3.0 schemas) of one message, as a peer
 * must write it: the **input** side of the zod schema, which is what the receiver validates
 * (a `.transform()` or `.default()` applies after the check, so a peer sends the input type,
 * and a field with a default may be left out). Objects are open (zod strips unknown keys), as a
 * receiver ignores members it does not know. Parts without a JSON Schema equivalent become `{}`
 * annotated with {@link UNREPRESENTABLE_KEYWORD}; schemas with custom checks carry
 * {@link REFINED_KEYWORD}. Recursive or `.meta({ id })` schemas keep their `definitions` and
 * `$ref`s relative to `base` (a JSON pointer to where the schema is placed in the document).
 *
 * @param schema - a message's zod object (tag field included).
 * @param name - the message's name, for the error.
 * @param base - JSON pointer of the schema in its document, e.g. `#/components/schemas/hello.client.Hello`.
 * @returns a fresh JSON object (no `$schema` key).
 * @throws {@link ProtocolDefinitionError} when zod cannot convert the schema.
 */
export function messageJsonSchema(schema: MessageSchema, name: string, base: string): JsonObject {
  let json: unknown;
  try {
    json = z.toJSONSchema(schema, {
      target: 'draft-07',
      io: 'input',
      unrepresentable: (ctx) => ({ [UNREPRESENTABLE_KEYWORD]: ctx.message }),
      override: (ctx) => {
        const checks = ctx.zodSchema._zod.def.checks ?? [];
        if (checks.some((c) => c._zod.def.check === 'custom')) ctx.jsonSchema[REFINED_KEYWORD] = true;
      },
    });
  } catch (cause) {
    throw new ProtocolDefinitionError(`message ${name}: its schema has no JSON Schema form (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
  // zod returns a plain JSON object; its `$schema` is the document's business.
  const { $schema: _dialect, ...rest } = json as Record<string, unknown>;
  return rebase(rest, base) as JsonObject;
}

/** Copy `value`, pointing its local `$ref`s (`#`, `#/definitions/…`) at `base`. */
function rebase(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebase(v, base));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && v.startsWith('#') ? base + v.slice(1) : rebase(v, base);
  }
  return out;
}
