import type { RouteSpec } from '../http/route.js';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * A dependency-free docs page: every operation grouped by tag, linking to the OpenAPI document. No
 * scripts and no CDN, so it works offline and under the default Content-Security-Policy.
 */
export function docsPage(specs: readonly RouteSpec[], openApiUrl: string, rootPath: string): string {
  const tags = [...new Set(specs.map((s) => s.tag))];
  const sections = tags.map((tag) => {
    const rows = specs
      .filter((s) => s.tag === tag)
      .map(
        (s) =>
          `<tr><td class="m ${s.method.toLowerCase()}">${s.method}</td><td><code>${escapeHtml(rootPath + s.path)}</code></td>` +
          `<td><code>${escapeHtml(s.operationId)}</code></td><td>${escapeHtml(s.summary)}</td><td>${s.auth}</td></tr>`,
      )
      .join('\n');
    return `<h2>${escapeHtml(tag)}</h2>\n<table><tr><th>Method</th><th>Path</th><th>operationId</th><th>What</th><th>Auth</th></tr>\n${rows}</table>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledgerline API</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}.m{font-weight:600}.get{color:#0a7}.post{color:#06c}
.patch{color:#a60}.delete{color:#c22}</style></head>
<body><h1>Ledgerline API</h1><p>OpenAPI 3.1 document: <a href="${escapeHtml(openApiUrl)}">${escapeHtml(openApiUrl)}</a>.
Errors are <code>application/problem+json</code> (RFC 9457).</p>
${sections.join('\n')}
</body></html>`;
}
