import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../config/configError.js';
import { envSecret32 } from './runtimeConfig.js';
import { loadServiceConfig, migratesOnStart, schemaOf } from './serviceConfig.js';

const DEV_KEY = 'ab'.repeat(32);
const spec = {
  name: 'ledger',
  config: z.object({
    LEDGER_PAGE_SIZE: z.coerce.number().int().min(1).default(20),
    LEDGER_KEY: envSecret32(DEV_KEY),
  }),
};

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.name).sort();
  }
  throw new Error('expected a ConfigError');
};

describe('loadServiceConfig', () => {
  it('merges the runtime variables and the service ones, with development defaults', () => {
    const config = loadServiceConfig(spec, {});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      DATABASE_POOL_SIZE: 10,
      APPEND_CONCURRENCY: 1,
      LEDGER_PAGE_SIZE: 20,
      LEDGER_KEY: DEV_KEY,
    });
    expect(config.SERVICE_SCHEMA).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad variable at once: the runtime ones, the service ones and production secrets', () => {
    const env = {
      NODE_ENV: 'production',
      SERVICE_SCHEMA: 'Bad Name',
      DATABASE_POOL_SIZE: '0',
      LEDGER_PAGE_SIZE: 'x',
    };
    expect(problemsOf(() => loadServiceConfig(spec, env))).toEqual([
      'DATABASE_POOL_SIZE',
      'LEDGER_KEY',
      'LEDGER_PAGE_SIZE',
      'SERVICE_SCHEMA',
    ]);
  });

  it('takes a production secret when it is set, and runs the cross-variable rules', () => {
    const key = 'cd'.repeat(32);
    expect(loadServiceConfig(spec, { NODE_ENV: 'production', LEDGER_KEY: key }).LEDGER_KEY).toBe(key);
    const checked = {
      ...spec,
      checkConfig: (config: { LEDGER_PAGE_SIZE: number; DATABASE_POOL_SIZE: number }) =>
        config.LEDGER_PAGE_SIZE > config.DATABASE_POOL_SIZE * 10
          ? [{ name: 'LEDGER_PAGE_SIZE', problem: 'more than ten rows per connection' }]
          : [],
    };
    expect(problemsOf(() => loadServiceConfig(checked, { LEDGER_PAGE_SIZE: '500' }))).toEqual([
      'LEDGER_PAGE_SIZE',
    ]);
  });

  it('chooses schemas and the migration policy the same way for every service', () => {
    expect(schemaOf('ledger', {})).toBe('ledger');
    expect(schemaOf('ledger', { SERVICE_SCHEMA: 't_ledger_1' })).toBe('t_ledger_1');
    expect(migratesOnStart({ NODE_ENV: 'development' })).toBe(true);
    expect(migratesOnStart({ NODE_ENV: 'production' })).toBe(false);
    expect(migratesOnStart({ NODE_ENV: 'production', MIGRATE_ON_START: true })).toBe(true);
    expect(migratesOnStart({ NODE_ENV: 'test', MIGRATE_ON_START: false })).toBe(false);
    expect(loadServiceConfig(spec, { MIGRATE_ON_START: 'false' }).MIGRATE_ON_START).toBe(false);
  });
});
