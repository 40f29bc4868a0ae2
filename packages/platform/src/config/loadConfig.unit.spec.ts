import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './configError.js';
import { baseConfigSchema, envBoolean, loadConfig } from './loadConfig.js';

const catchConfigError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies the localhost defaults to an empty environment', () => {
    const config = loadConfig(baseConfigSchema, {});
    expect(config).toEqual({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      NATS_URL: 'nats://127.0.0.1:4222',
      REDIS_URL: 'redis://127.0.0.1:6379',
      OTEL_ENABLED: false,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      JETSTREAM_REPLICAS: 1,
      JETSTREAM_MAX_AGE_SECONDS: 0,
      JETSTREAM_MAX_BYTES: 0,
    });
  });

  it('coerces booleans and numbers from strings ("false" is false)', () => {
    const env = { OTEL_ENABLED: 'false', HEALTH_PORT: '8081', SHUTDOWN_TIMEOUT_MS: '2500' };
    const config = loadConfig(baseConfigSchema, env);
    expect(config.OTEL_ENABLED).toBe(false);
    expect(config.HEALTH_PORT).toBe(8081);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(2500);
    expect(loadConfig(baseConfigSchema, { OTEL_ENABLED: 'TRUE' }).OTEL_ENABLED).toBe(true);
    expect(loadConfig(baseConfigSchema, { OTEL_ENABLED: '0' }).OTEL_ENABLED).toBe(false);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig(baseConfigSchema, { HEALTH_PORT: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    expect(config.HEALTH_PORT).toBeUndefined();
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('lists every bad variable in one error', () => {
    const env = {
      NODE_ENV: 'staging',
      OTEL_ENABLED: 'maybe',
      HEALTH_PORT: 'eighty',
      SHUTDOWN_TIMEOUT_MS: '-5',
      DATABASE_URL: 'not a url',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector',
    };
    const error = catchConfigError(() => loadConfig(baseConfigSchema, env));
    const names = error.problems.map((p) => p.name).sort();
    expect(names).toEqual(Object.keys(env).sort());
    for (const name of names) expect(error.message).toMatch(new RegExp(`^  ${name}: .+`, 'm'));
  });

  it('reports missing required variables of an extended schema by name', () => {
    const schema = baseConfigSchema.extend({ STRIPE_KEY: z.string().min(1), FEATURE_X: envBoolean() });
    const error = catchConfigError(() => loadConfig(schema, { NODE_ENV: 'prod' }));
    expect(error.problems.map((p) => p.name).sort()).toEqual(['FEATURE_X', 'NODE_ENV', 'STRIPE_KEY']);
  });

  it('returns a deeply frozen object', () => {
    const schema = baseConfigSchema.extend({
      LIMITS: z
        .string()
        .default('{"a":1}')
        .transform((s) => JSON.parse(s) as { a: number }),
    });
    const config = loadConfig(schema, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.LIMITS)).toBe(true);
    expect(() => {
      (config as { NODE_ENV: string }).NODE_ENV = 'production';
    }).toThrow(TypeError);
  });
});
