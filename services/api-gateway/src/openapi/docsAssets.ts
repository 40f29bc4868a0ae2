import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The files the explorer page loads, by the name it asks for. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'explorer.js'] as const;
export type DocsAsset = (typeof DOCS_ASSETS)[number];

export interface LoadedAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

// Swagger UI's start-up: reads the document URL from the page (no inline script under the CSP),
// sends "try it out" to the gateway that served the page (the document's server is PUBLIC_URL,
// which a proxy or a dev machine may reach by another name), with cookies (the refresh cookie) and
// the CSRF cookie echoed as the header the gateway's double-submit check wants.
const EXPLORER_JS = `(() => {
  const root = document.getElementById('swagger-ui');
  const prefix = root.dataset.csrfCookie + '=';
  const csrf = () => (document.cookie.split('; ').find((c) => c.startsWith(prefix)) || '').slice(prefix.length);
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
    persistAuthorization: true,
    withCredentials: true,
    requestInterceptor: (request) => {
      const target = new URL(request.url, location.href);
      if (target.origin !== location.origin) request.url = location.origin + target.pathname + target.search;
      const token = csrf();
      if (token) request.headers['X-CSRF-Token'] = decodeURIComponent(token);
      return request;
    },
  });
})();
`;

let cache: Map<DocsAsset, LoadedAsset> | undefined;

/** The explorer's assets, read once from the swagger-ui-dist package (kept in memory: ~1.5 MB). */
export function docsAsset(name: DocsAsset): LoadedAsset {
  cache ??= load();
  return cache.get(name)!;
}

function load(): Map<DocsAsset, LoadedAsset> {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const file = (name: string) => readFileSync(join(dist, name));
  return new Map<DocsAsset, LoadedAsset>([
    ['swagger-ui.css', { contentType: 'text/css; charset=utf-8', body: file('swagger-ui.css') }],
    [
      'swagger-ui-bundle.js',
      { contentType: 'text/javascript; charset=utf-8', body: file('swagger-ui-bundle.js') },
    ],
    ['explorer.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(EXPLORER_JS) }],
  ]);
}
