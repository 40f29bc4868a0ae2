import { ConfigError } from '@ledgerline/platform/config';
import { describe, expect, it } from 'vitest';
import { loadIdentityConfig } from './config.js';

describe('identity config', () => {
  it('has working defaults outside production', () => {
    const config = loadIdentityConfig({});
    expect(config).toMatchObject({
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2_592_000,
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_MAX_QUEUED: 64,
    });
    expect(config.SERVICE_SCHEMA).toBeUndefined();
    expect(config.MESSAGE_SEAL_KEY).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires real keys in production and lists every bad variable', () => {
    expect(() => loadIdentityConfig({ NODE_ENV: 'production' })).toThrow(
      /MESSAGE_SEAL_KEY[\s\S]*KEY_ENCRYPTION_KEY/,
    );
    expect(() => loadIdentityConfig({ MESSAGE_SEAL_KEY: 'short', ARGON2_TIME_COST: '0' })).toThrow(
      ConfigError,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadIdentityConfig({
      NODE_ENV: 'production',
      MESSAGE_SEAL_KEY: key,
      KEY_ENCRYPTION_KEY: key,
    });
    expect(config.MESSAGE_SEAL_KEY).toBe(key);
  });
});
