const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The interactive API explorer (Swagger UI): operations, schemas, examples and "try it out", with
 * its assets served by the gateway itself (no CDN: it works offline and under the default
 * Content-Security-Policy, `script-src 'self'`, so the start-up script is a file, not inline).
 */
export function docsPage(openApiUrl: string, assetsUrl: string, csrfCookieName: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledgerline API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(assetsUrl)}/swagger-ui.css"></head>
<body><noscript><p>The explorer needs JavaScript. The OpenAPI document is at
<a href="${escapeHtml(openApiUrl)}">${escapeHtml(openApiUrl)}</a>.</p></noscript>
<div id="swagger-ui" data-openapi-url="${escapeHtml(openApiUrl)}" data-csrf-cookie="${escapeHtml(csrfCookieName)}"></div>
<script src="${escapeHtml(assetsUrl)}/swagger-ui-bundle.js"></script>
<script src="${escapeHtml(assetsUrl)}/explorer.js"></script>
</body></html>`;
}
