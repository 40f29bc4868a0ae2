import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { loadGatewayConfig } from '@ledgerline/api-gateway';
import { loadIdentityConfig } from '@ledgerline/identity';
import { loadNotifierConfig } from '@ledgerline/notifier';
import { describe, expect, it } from 'vitest';

// .env.example is what a newcomer copies to .env: every service must start with it as it is.
const example = parseEnv(readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8'));

describe('.env.example', () => {
  it.each([
    ['api-gateway', loadGatewayConfig],
    ['identity', loadIdentityConfig],
    ['notifier', loadNotifierConfig],
  ] as const)('is a valid configuration for %s', (_name, load) => {
    expect(() => load(example)).not.toThrow();
  });

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
});
