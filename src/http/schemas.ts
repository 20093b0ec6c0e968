import { Type, type TObject, type TProperties, type TSchema } from 'typebox';

/**
 * TypeBox pieces every module's schemas share. A resource schema is named
 * with `$id` (`Type.Object({...}, { $id: 'Doctor' })`): @fastify/swagger
 * hoists it into `components.schemas` and every route refers to it there.
 */

export const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
/** An instant in a response (ISO 8601 with offset). */
export const Instant = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** SPEC section 2: cursor pagination, `limit` ≤ 100. */
export const MAX_PAGE = 100;
export const Limit = Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20, description: `Items per page (1–${MAX_PAGE})` });
export const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'page.nextCursor of the previous page' });

/**
 * A querystring object that refuses unknown fields. A field with a `default`
 * is optional on the wire (not in `required`, so the document and generated
 * clients let it out) yet typed as present, which it is after validation:
 * the validator fills defaults in (`useDefaults`, src/http/validation.ts).
 */
export function Query<P extends TProperties>(properties: P, options: { description?: string } = {}): TObject<P> {
  const schema = Type.Object(properties, { additionalProperties: false, ...options });
  const mutable = schema as { required?: string[] };
  const required = (mutable.required ?? []).filter((name) => !('default' in (properties[name] as object)));
  if (required.length > 0) mutable.required = required;
  else delete mutable.required;
  return schema;
}

/** `limit` and `cursor`, plus a list route's own filters. */
export const PageQuery = <P extends TProperties = {}>(filters: P = {} as P) => Query({ ...filters, limit: Limit, cursor: Type.Optional(Cursor) });

/** `/:id` as a UUID. */
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Contact fields as people and hospitals give them. */
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', maxLength: 16, description: 'E.164, e.g. +14155550123' });
/** The shape of a BCP 47 tag (language, then subtags); the database checks the same pattern. */
export const LANGUAGE_TAG_PATTERN = '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$';
export const LanguageTag = Type.String({
  minLength: 2,
  maxLength: 35,
  pattern: LANGUAGE_TAG_PATTERN,
  description: 'BCP 47 language tag, e.g. es or de-AT; messages are written in English, Spanish or German (others are English)',
});
/**
 * At least one character a person can see: not whitespace, not a control or
 * format character (zero-width spaces, joiners, BOM, bidi marks), not one of
 * the default-ignorable fillers (Hangul filler U+3164) nor the blank braille
 * pattern. ajv compiles patterns with the `u` flag, so `\p{...}` works.
 */
export const VISIBLE_CHARACTER = '[^\\s\\p{Cc}\\p{Cf}\\p{Z}\\p{Default_Ignorable_Code_Point}\\u2800]';
export const VISIBLE_RULE = 'must contain a visible character, not only spaces or invisible characters';

/** The one schema for every name a person types (hospital, doctor, patient, plan, ...). */
export const NameOf = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: VISIBLE_CHARACTER, description: `1–${maxLength} characters, at least one of them visible` });
/** A person's or a place's name: 1–200 characters, at least one visible. */
export const Name = NameOf(200);
