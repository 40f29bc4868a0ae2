import { z } from 'zod';

/**
 * Text a person typed (names, search prefixes) ends up in Postgres `text` and `jsonb` columns, logs
 * and e-mails. Postgres refuses a NUL character in both and an unpaired UTF-16 surrogate in `jsonb`
 * (`"\ud800"`), so such a string would fail deep inside a service with a database error (a 500)
 * instead of at the edge. Every contract field that carries user text uses {@link userTextSchema}, so
 * the refusal is a 422 that names the field, on both sides of every message.
 */

// Well-formed: every code unit is either not a surrogate (and not NUL), or a high surrogate followed
// by a low one. Written as a pattern (not a refinement) so OpenAPI and JSON Schema exports carry it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this pattern refuses.
const WELL_FORMED_TEXT = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

/** The message of the refusal; stable so clients and tests can recognise it. */
export const USER_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** True when `value` holds no NUL character and no unpaired surrogate (what Postgres stores). */
export const isWellFormedText = (value: string): boolean => WELL_FORMED_TEXT.test(value);

/**
 * A string of user text: no NUL, no unpaired surrogate. Chain the field's own rules after it
 * (`userTextSchema().trim().min(1).max(100)`); it is a function so each field gets its own schema.
 */
export const userTextSchema = () => z.string().regex(WELL_FORMED_TEXT, USER_TEXT_MESSAGE);
