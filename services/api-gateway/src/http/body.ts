import { ValidationError } from '@ledgerline/contracts';
import type { FastifyInstance } from 'fastify';

/**
 * The deepest nesting of arrays and objects the gateway accepts in a body, for every route. No
 * contract comes near it (the deepest is 3); it exists so that nothing recursive (the idempotency
 * fingerprint, zod, JSON.stringify towards NATS) ever sees a value deep enough to overflow the stack.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when the JSON text nests arrays/objects deeper than `maxDepth`. One pass over the characters,
 * no recursion, brackets inside strings ignored; run on the raw text before it is parsed. Text that
 * is not valid JSON may be miscounted, but then JSON.parse refuses it anyway.
 */
export function jsonNestingExceeds(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  // Each level needs at least one character: short bodies cannot be too deep.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

const tooDeep = () =>
  new ValidationError(`Invalid body: nested deeper than ${MAX_JSON_DEPTH} levels`, {
    issues: [{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels`, code: 'too_deep' }],
  });

/**
 * The gateway reads JSON bodies only, declared as such: `Content-Type: application/json` (any
 * parameters). Every other body, one without a Content-Type included, is refused with 415 by Fastify
 * (no parser matches). JSON is checked for depth before it is parsed, then parsed by Fastify's own
 * parser (which refuses `__proto__` and `constructor.prototype` keys).
 */
export function installBodyParsing(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestingExceeds(text)) {
      done(tooDeep(), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
