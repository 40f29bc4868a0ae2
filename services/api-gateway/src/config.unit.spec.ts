import { ConfigError } from '@ledgerline/platform';
import { describe, expect, it } from 'vitest';
import { allowedOrigins, loadGatewayConfig } from './config.js';

describe('gateway config', () => {
  it('has working defaults', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      ROOT_PATH: '',
      BODY_LIMIT_BYTES: 1024 * 1024,
      RATE_LIMIT_FREE: 60,
      RATE_LIMIT_LOGIN: 10,
      IDEMPOTENCY_TTL_SECONDS: 86_400,
      COOKIE_SECURE: true,
      DOCS_ENABLED: true,
      READY_SERVICES: ['identity', 'notifier'],
    });
    expect(config.CACHE_MAX_AGE).toMatchObject({ getMe: 0, getJwks: 300 });
  });

  it('parses lists and per-operation cache ages, and hides docs in production by default', () => {
    const config = loadGatewayConfig({
      NODE_ENV: 'production',
      CORS_ORIGINS: 'https://a.test, https://b.test/',
      CACHE_MAX_AGE: 'getMe=30',
      TRUSTED_PROXIES: '10.0.0.0/8',
    });
    expect(config.DOCS_ENABLED).toBe(false);
    expect(config.CACHE_MAX_AGE.getMe).toBe(30);
    expect(config.TRUSTED_PROXIES).toEqual(['10.0.0.0/8']);
    expect([...allowedOrigins(config)].sort()).toEqual([
      'http://localhost:3000',
      'https://a.test',
      'https://b.test',
    ]);
  });

  it('lists every bad variable', () => {
    try {
      loadGatewayConfig({
        PORT: 'eighty',
        ROOT_PATH: 'api/',
        CACHE_MAX_AGE: 'getMe=-1',
        CORS_ORIGINS: 'nope',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['PORT', 'ROOT_PATH', 'CACHE_MAX_AGE', 'CORS_ORIGINS'])
        expect(message).toContain(name);
    }
  });
});
