import { describe, expect, it, vi } from 'vitest';
import { warmUpJwks } from './jwksCache.js';

const logger = () => ({ warn: vi.fn<(fields: object, message: string) => void>() });

describe('warmUpJwks', () => {
  it('retries quietly until identity answers, warning once without a stack when it takes long', async () => {
    let calls = 0;
    const jwks = vi.fn(async () => {
      calls++;
      if (calls < 4) throw new Error('503 no responders');
      return { keys: [] };
    });
    const log = logger();
    const warmUp = warmUpJwks({ jwks }, { logger: log, retryMs: 1, warnAfterMs: 0 });
    await warmUp.firstAttempt;
    expect(await warmUp.done).toBe(true);
    expect(jwks).toHaveBeenCalledTimes(4);
    expect(log.warn).toHaveBeenCalledTimes(1);
    const [fields, message] = log.warn.mock.calls[0] ?? [];
    expect(fields).toEqual({ reason: '503 no responders' });
    expect(fields).not.toHaveProperty('err');
    expect(message).toContain('JWKS not available yet');
  });

  it('says nothing when identity answers within the grace period', async () => {
    let calls = 0;
    const jwks = async () => {
      if (++calls < 3) throw new Error('timeout');
      return { keys: [] };
    };
    const log = logger();
    const warmUp = warmUpJwks({ jwks }, { logger: log, retryMs: 1, warnAfterMs: 60_000 });
    expect(await warmUp.done).toBe(true);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('stops retrying when stopped (the gateway closes)', async () => {
    const jwks = vi.fn(async () => {
      throw new Error('503 no responders');
    });
    const warmUp = warmUpJwks({ jwks }, { logger: logger(), retryMs: 60_000, warnAfterMs: 60_000 });
    await warmUp.firstAttempt;
    warmUp.stop();
    expect(await warmUp.done).toBe(false);
    expect(jwks).toHaveBeenCalledTimes(1);
  });
});
