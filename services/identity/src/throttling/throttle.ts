import { createHash } from 'node:crypto';
import { RateLimitedError } from '@ledgerline/contracts';
import type { Redis } from 'ioredis';
import { delaySchedule, retryAfterSeconds, type ThrottlePolicy } from './throttlePolicy.js';

/** One counter: a policy applied to a subject (a normalised e-mail, an IP, a user id). */
export interface ThrottleKey {
  policy: ThrottlePolicy;
  subject: string;
}

// One script so that check and count are one atomic step across all keys: either every key is
// free and every key counts the attempt, or none does and the caller learns the longest wait.
// Each key is a hash { attempts, blockedUntil (ms) } that expires after its window of quiet.
const ATTEMPT = `
local now = tonumber(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  local blocked = tonumber(redis.call('HGET', KEYS[i], 'blockedUntil') or '0')
  if blocked > now then wait = math.max(wait, blocked - now) end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local windowMs = tonumber(ARGV[2 * i])
  local schedule = {}
  for d in string.gmatch(ARGV[2 * i + 1], '%d+') do schedule[#schedule + 1] = tonumber(d) end
  local n = redis.call('HINCRBY', KEYS[i], 'attempts', 1)
  local delay = schedule[math.min(n, #schedule)]
  local ttl = windowMs
  if n >= #schedule then redis.call('HSET', KEYS[i], 'attempts', 0) end
  if delay > 0 then
    redis.call('HSET', KEYS[i], 'blockedUntil', now + delay)
    ttl = math.max(ttl, delay)
  end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return 0
`;

// A success forgives its own attempt (the count is of failures and attempts in flight).
const FORGIVE = `
for i = 1, #KEYS do
  if redis.call('HINCRBY', KEYS[i], 'attempts', -1) < 0 then redis.call('HSET', KEYS[i], 'attempts', 0) end
end
return 0
`;

/** Growing delays and temporary locks in Redis, shared by every identity instance. */
export class Throttle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'identity:throttle',
  ) {}

  /** Counts an attempt on every key, or throws RateLimitedError with the longest remaining wait. */
  async attempt(keys: ThrottleKey[], now = Date.now()): Promise<void> {
    if (keys.length === 0) return;
    const args = keys.flatMap(({ policy }) => [policy.windowSeconds * 1000, delaySchedule(policy).join(',')]);
    const wait = Number(await this.redis.eval(ATTEMPT, keys.length, ...keys.map(this.keyOf), now, ...args));
    if (wait > 0) {
      throw new RateLimitedError('Too many attempts, try again later', retryAfterSeconds(wait));
    }
  }

  /** After a success: `reset` keys start over (the account), `forgive` keys drop this attempt (the IP). */
  async succeeded(reset: ThrottleKey[], forgive: ThrottleKey[] = []): Promise<void> {
    if (reset.length > 0) await this.redis.del(...reset.map(this.keyOf));
    if (forgive.length > 0) await this.redis.eval(FORGIVE, forgive.length, ...forgive.map(this.keyOf));
  }

  // Subjects are hashed: e-mail addresses and IPs have no business in Redis key listings.
  private readonly keyOf = ({ policy, subject }: ThrottleKey): string =>
    `${this.prefix}:${policy.name}:${createHash('sha256').update(subject).digest('base64url').slice(0, 22)}`;
}
