import { describe, expect, it } from 'vitest';
import type { Principal } from '../http/requestState.js';
import { limitsFor, tierLimit } from './limitPolicy.js';
import { decide, parseScriptReply } from './slidingWindow.js';

const WINDOW = 60_000;
const now = 1_000_000;

describe('sliding window decision', () => {
  it('counts this request in Remaining when allowed', () => {
    const d = decide(true, now, [{ limit: 10, count: 3, edge: now - 20_000 }], WINDOW);
    expect(d).toEqual({ allowed: true, limit: 10, remaining: 6, resetSeconds: 40, retryAfterSeconds: 0 });
  });

  it('waits until the entry that frees a slot leaves the window', () => {
    const d = decide(false, now, [{ limit: 10, count: 10, edge: now - 59_100 }], WINDOW);
    expect(d).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    const later = decide(false, now, [{ limit: 10, count: 10, edge: now - 15_000 }], WINDOW);
    expect(later.retryAfterSeconds).toBe(45);
  });

  it('reports the tightest limit and the longest wait among full limits', () => {
    const states = [
      { limit: 3, count: 3, edge: now - 30_000 },
      { limit: 100, count: 100, edge: now - 10_000 },
    ];
    const d = decide(false, now, states, WINDOW);
    expect(d).toMatchObject({ limit: 3, remaining: 0, retryAfterSeconds: 50 });
  });

  it('uses the whole window for an empty set', () => {
    expect(decide(true, now, [{ limit: 5, count: 0, edge: -1 }], WINDOW).resetSeconds).toBe(60);
  });

  it('parses the script reply', () => {
    expect(parseScriptReply([1, now, 2, now - 5, 0, -1], [10, 100])).toEqual({
      allowed: true,
      now,
      states: [
        { limit: 10, count: 2, edge: now - 5 },
        { limit: 100, count: 0, edge: -1 },
      ],
    });
  });
});

const config = {
  REDIS_KEY_PREFIX: 'gw:',
  RATE_LIMIT_ANONYMOUS: 30,
  RATE_LIMIT_FREE: 60,
  RATE_LIMIT_PRO: 600,
  RATE_LIMIT_ENTERPRISE: 1000,
  RATE_LIMIT_ADMIN: 1200,
  RATE_LIMIT_LOGIN: 10,
  RATE_LIMIT_FORGOT: 5,
  RATE_LIMIT_RESEND: 4,
  RATE_LIMIT_CODE_REQUEST: 3,
  RATE_LIMIT_AUTH_PER_IP: 100,
};
const principal = (roles: string[], tier: string): Principal => ({
  userId: 'u1',
  sessionId: 's1',
  roles,
  tier,
  mfa: false,
  emailVerified: undefined,
});

describe('limit policy', () => {
  it('limits signed-in callers by tier, admins by role', () => {
    expect(tierLimit(principal(['user'], 'free'), config)).toBe(60);
    expect(tierLimit(principal(['user'], 'pro'), config)).toBe(600);
    expect(tierLimit(principal(['user'], 'enterprise'), config)).toBe(1000);
    expect(tierLimit(principal(['user', 'admin'], 'free'), config)).toBe(1200);
  });

  it('keys api limits by user, or by IP when anonymous', () => {
    expect(
      limitsFor('api', { principal: principal(['user'], 'pro'), ip: '1.2.3.4', email: undefined }, config),
    ).toEqual([{ key: 'gw:rl:api:u:u1', limit: 600 }]);
    expect(limitsFor('api', { principal: undefined, ip: '1.2.3.4', email: undefined }, config)).toEqual([
      { key: 'gw:rl:api:ip:1.2.3.4', limit: 30 },
    ]);
    expect(limitsFor('none', { principal: undefined, ip: '1.2.3.4', email: undefined }, config)).toEqual([]);
  });

  it('keys strict classes by IP + hashed, normalised e-mail, with a per-IP ceiling', () => {
    const a = limitsFor('login', { principal: undefined, ip: '1.2.3.4', email: 'Ada@Example.test ' }, config);
    const b = limitsFor('login', { principal: undefined, ip: '1.2.3.4', email: 'ada@example.test' }, config);
    expect(a).toEqual(b);
    expect(a[0]!.limit).toBe(10);
    expect(a[0]!.key).not.toContain('ada');
    expect(a[1]).toEqual({ key: 'gw:rl:login:1.2.3.4', limit: 100 });
    expect(
      limitsFor('codeRequest', { principal: undefined, ip: 'ip', email: 'x@y.z' }, config)[0]!.limit,
    ).toBe(3);
  });
});
