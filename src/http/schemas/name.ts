import { Type } from 'typebox';

/**
 * At least one character a person can see: not whitespace, not a control or
 * format character (zero-width spaces, joiners, BOM, bidi marks), not one of
 * the default-ignorable fillers (Hangul filler U+3164) nor the blank braille
 * pattern. ajv compiles patterns with the `u` flag, so `\p{...}` works.
 */
export const VISIBLE_CHARACTER = '[^\\s\\p{Cc}\\p{Cf}\\p{Z}\\p{Default_Ignorable_Code_Point}\\u2800]';
export const VISIBLE_RULE = 'must contain a visible character, not only spaces or invisible characters';

/** The one schema for every name a person types (hospital, doctor, patient, plan, ...). */
export const Name = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: VISIBLE_CHARACTER, description: `1–${maxLength} characters, at least one of them visible` });
