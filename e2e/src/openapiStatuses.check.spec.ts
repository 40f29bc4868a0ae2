import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs after the e2e tier (the e2e package's test script runs it second, with the same
// E2E_STATUS_DIR): every status a route answered during the suite must be one the OpenAPI document
// declares for that operation, so clients generated from the document know every real answer.
const dir = process.env.E2E_STATUS_DIR;
const documentFile = dir === undefined ? undefined : join(dir, 'openapi.json');
const ready = documentFile !== undefined && existsSync(documentFile);
if (!ready)
  console.warn('openapiStatuses: skipped, no recorded e2e run (run `npm run test:e2e -w @ledgerline/e2e`)');

interface Observation {
  method: string;
  path: string;
  status: number;
}

type Operations = Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;

describe.skipIf(!ready)('OpenAPI statuses match what the gateway answered', () => {
  it('documents every status the e2e suite observed, per operation', () => {
    const document = JSON.parse(readFileSync(documentFile!, 'utf8')) as { paths: Operations };
    const routes = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        operation,
      })),
    );
    const observations: Observation[] = readdirSync(dir!)
      .filter((file) => file.endsWith('.jsonl'))
      .flatMap((file) => readFileSync(join(dir!, file), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as Observation);
    expect(observations.length).toBeGreaterThan(50);

    const undocumented = new Set<string>();
    for (const { method, path, status } of observations) {
      const pathOnly = path.split('?')[0]!;
      const route = routes.find((r) => r.method === method && r.pattern.test(pathOnly));
      // Requests to paths the API does not have (404 by design) belong to no operation.
      if (!route) continue;
      if (!(String(status) in route.operation.responses)) {
        undocumented.add(
          `${method} ${pathOnly.replace(/[0-9a-f-]{36}/g, '{id}')} (${route.operation.operationId}): ${status}`,
        );
      }
    }
    expect([...undocumented].sort()).toEqual([]);
  });
});
