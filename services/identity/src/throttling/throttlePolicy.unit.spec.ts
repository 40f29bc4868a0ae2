import { describe, expect, it } from 'vitest';
import { authThrottles } from './authPolicies.js';
import { delaySchedule, policy, retryAfterSeconds } from './throttlePolicy.js';

describe('throttle policy', () => {
  it('gives free attempts, then doubling delays, then a lock at the last attempt', () => {
    const p = policy('t', 6, 900, { freeAttempts: 2, baseDelaySeconds: 1, maxDelaySeconds: 30 });
    expect(delaySchedule(p)).toEqual([0, 0, 1000, 2000, 4000, 900_000]);
  });

  it('caps delays at maxDelaySeconds', () => {
    const p = policy('t', 10, 60, { freeAttempts: 1, baseDelaySeconds: 5, maxDelaySeconds: 12 });
    expect(delaySchedule(p).slice(0, 5)).toEqual([0, 5000, 10_000, 12_000, 12_000]);
  });

  it('locks an account for 15 minutes at the 5th failed login by default', () => {
    const { loginAccount } = authThrottles({
      LOGIN_MAX_FAILURES: 5,
      LOGIN_LOCK_SECONDS: 900,
      LOGIN_IP_MAX_FAILURES: 50,
      LOGIN_IP_LOCK_SECONDS: 900,
    });
    expect(delaySchedule(loginAccount)).toEqual([0, 0, 1000, 2000, 900_000]);
  });

  it('announces whole seconds, at least one', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(900_000)).toBe(900);
  });
});
