import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { loadServiceConfig } from '@ledgerline/platform/config';
import { discoverServices } from '@ledgerline/platform/discover';
import { describe, expect, it } from 'vitest';

// .env.example is what a newcomer copies to .env: every service must start with it as it is.
const example = parseEnv(readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8'));
// Each service keeps its variables in src/config.ts (and the test imports only that module).
const services = discoverServices().filter((s) => existsSync(join(s.dir, 'src/config.ts')));

/** Parses `env` with a service's config module: its `load…Config`, else its environment schema(s). */
async function parseWith(name: string, dir: string, env: Record<string, string | undefined>) {
  const module = (await import(pathToFileURL(join(dir, 'src/config.ts')).href)) as Record<string, unknown>;
  const load = Object.entries(module).find(
    ([key, value]) => /^load\w*Config$/.test(key) && typeof value === 'function',
  );
  if (load) return (load[1] as (env: Record<string, string | undefined>) => unknown)(env);
  const schemas = Object.values(module).filter(isEnvSchema);
  expect(schemas.length, `${name}: src/config.ts exports no environment schema`).toBeGreaterThan(0);
  return schemas.map((config) => loadServiceConfig({ name, config }, env));
}

type ZodObject = NonNullable<Parameters<typeof loadServiceConfig>[0]['config']>;
// An environment schema: a zod object whose keys are all variable names (UPPER_SNAKE).
const isEnvSchema = (value: unknown): value is ZodObject => {
  const shape = (value as { shape?: unknown } | null)?.shape;
  if (typeof (value as { safeParse?: unknown } | null)?.safeParse !== 'function') return false;
  if (typeof shape !== 'object' || shape === null) return false;
  const keys = Object.keys(shape);
  return keys.length > 0 && keys.every((key) => /^[A-Z][A-Z0-9_]*$/.test(key));
};

describe('.env.example', () => {
  it('finds the services of the workspace', () => {
    expect(services.map((s) => s.name)).toEqual(
      expect.arrayContaining(['api-gateway', 'identity', 'notifier']),
    );
  });

  it.each(services.map((s) => [s.name, s.dir] as const))(
    'is a valid configuration for %s',
    async (name, dir) => {
      await expect(parseWith(name, dir, example)).resolves.toBeDefined();
    },
  );

  it('documents the infrastructure URLs and the secrets production requires', () => {
    for (const name of [
      'DATABASE_URL',
      'NATS_URL',
      'REDIS_URL',
      'MESSAGE_SEAL_KEY',
      'KEY_ENCRYPTION_KEY',
      'SMTP_URL',
    ]) {
      expect(Object.keys(example)).toContain(name);
    }
    expect(example.MAIL_FROM).toBe('Ledgerline <no-reply@ledgerline.local>');
  });

  it('leaves SERVICE_SCHEMA unset: one file serves every process, each defaults to its own name', () => {
    expect(example.SERVICE_SCHEMA ?? '').toBe('');
  });
});
