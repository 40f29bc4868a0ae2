import { ConfigError } from '@ledgerline/platform/config';
import { describe, expect, it } from 'vitest';
import { loadNotifierConfig } from './config.js';

describe('notifier config', () => {
  it('has working development defaults', () => {
    const config = loadNotifierConfig({});
    expect(config).toMatchObject({
      SMTP_URL: 'smtp://127.0.0.1:1025',
      CONSUMER_DURABLE: 'notifier',
      CONSUMER_DELIVER_POLICY: 'all',
      DELIVERY_MAX_ATTEMPTS: 5,
    });
    expect(config.MESSAGE_SEAL_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(config.SERVICE_SCHEMA).toBeUndefined(); // the runtime then uses the service name
  });

  it('requires a real seal key in production and lists every bad variable', () => {
    expect(() => loadNotifierConfig({ NODE_ENV: 'production' })).toThrow(/MESSAGE_SEAL_KEY/);
    try {
      loadNotifierConfig({ SMTP_URL: 'http://x', DELIVERY_MAX_ATTEMPTS: '0', CONSUMER_DURABLE: 'a.b' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.name).sort()).toEqual([
        'CONSUMER_DURABLE',
        'DELIVERY_MAX_ATTEMPTS',
        'SMTP_URL',
      ]);
    }
  });
});
