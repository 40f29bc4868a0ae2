import { ConfigError, loadServiceConfig } from '@ledgerline/platform/config';
import { describe, expect, it } from 'vitest';
import { filesConfigSchema } from './config.js';

const spec = { name: 'files', config: filesConfigSchema };

describe('files config', () => {
  it('has working defaults, including every tier', () => {
    const config = loadServiceConfig(spec, {});
    expect(config.UPLOAD_TTL_SECONDS).toBe(3600);
    expect(config.MULTIPART_THRESHOLD_BYTES).toBe(64 * 1024 * 1024);
    expect(config.FILES_TIERS.free.contentTypes).toContain('application/pdf');
    expect(config.FILES_TIERS.pro.unsniffableTypes).toContain('text/plain');
    expect(config.CLAMAV_URL).toBeUndefined();
    expect([config.VERIFY_TIMEOUT_MS, config.VERIFY_RETRY_BASE_MS, config.REMOVAL_RETRY_BASE_MS]).toEqual([
      10_000, 500, 1_000,
    ]);
  });

  it('parses FILES_TIERS JSON and lists every bad variable', () => {
    const tier = { quotaBytes: 10, maxFileBytes: 5, contentTypes: ['image/png'] };
    const config = loadServiceConfig(spec, {
      FILES_TIERS: JSON.stringify({ free: tier, pro: tier, enterprise: tier }),
    });
    expect(config.FILES_TIERS.free).toEqual({ ...tier, unsniffableTypes: [] });
    let error: unknown;
    try {
      loadServiceConfig(spec, {
        FILES_TIERS: '{not json',
        UPLOAD_TTL_SECONDS: 'soon',
        CLAMAV_URL: 'http://x',
        VERIFY_TIMEOUT_MS: '5',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.name).sort();
    expect(names).toEqual(['CLAMAV_URL', 'FILES_TIERS', 'UPLOAD_TTL_SECONDS', 'VERIFY_TIMEOUT_MS']);
  });
});
