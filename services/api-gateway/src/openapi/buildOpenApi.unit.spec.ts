import { describe, expect, it } from 'vitest';
import { CONTROLLERS } from '../app/gatewayModule.js';
import { routeSpecsOf } from '../http/route.js';
import { buildOpenApi, problemStatuses } from './buildOpenApi.js';

const specs = routeSpecsOf(CONTROLLERS);
const doc = buildOpenApi(specs, {
  serverUrl: 'https://api.example.test',
  version: '1',
  refreshCookieName: 'll_refresh',
}) as {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

describe('route specs and the OpenAPI document', () => {
  it('has one unique operationId per route', () => {
    const ids = specs.map((s) => s.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(specs).toHaveLength(53);
  });

  it('documents bodies, parameters, security and problem responses', () => {
    const login = doc.paths['/auth/login']!.post!;
    expect(login.operationId).toBe('login');
    expect(login.requestBody).toMatchObject({ required: true });
    expect(Object.keys(login.responses as object)).toEqual(
      expect.arrayContaining(['200', '400', '422', '429', '503']),
    );
    const revoke = doc.paths['/me/sessions/{id}']!.delete!;
    expect(revoke.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
    expect(revoke.security).toEqual([{ bearer: [] }]);
    const register = doc.paths['/auth/register']!.post!;
    expect(register.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key' })]),
    );
    const list = doc.paths['/admin/users']!.get!;
    expect(list.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'limit', in: 'query' })]),
    );
    expect(Object.keys(list.responses as object)).toContain('304');
  });

  it('lists 403 for admin and CSRF routes only where they apply', () => {
    const spec = (id: string) => specs.find((s) => s.operationId === id)!;
    expect(problemStatuses(spec('listUsers'))).toContain(403);
    expect(problemStatuses(spec('refresh'))).toContain(403);
    expect(problemStatuses(spec('liveness'))).toEqual([500]);
  });
});
