import type { FastifyInstance } from 'fastify';

const FORM_LIMIT_BYTES = 8 * 1024;

/**
 * HTML forms post `application/x-www-form-urlencoded`. The gateway accepts that only on the given
 * page routes (the e-mail link pages); everywhere else it stays a 415 like any non-JSON body. Values
 * are plain strings (the last one wins for a repeated name); nothing is nested, so nothing is deep.
 */
export function installFormParsing(fastify: FastifyInstance, formRoutes: readonly string[]): void {
  const accepted = new Set(formRoutes);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (request, body, done) => {
      if (!accepted.has(request.routeOptions.url ?? '')) {
        done(unsupported(), undefined);
        return;
      }
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}

function unsupported(): Error {
  // Fastify's own code for "no parser for this type", so the one problem+json path answers 415.
  return Object.assign(new Error('Unsupported Media Type: application/x-www-form-urlencoded'), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}
