import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decide, parseScriptReply, type RateDecision, SLIDING_WINDOW_LUA } from './slidingWindow.js';

/** One limit to enforce: a Redis key (a sorted set) and how many requests it allows per window. */
export interface LimitKey {
  readonly key: string;
  readonly limit: number;
}

type ScriptedRedis = Redis & {
  llSlidingWindow(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
};

/** Sliding-window limits in Redis, all limits of a request checked and counted in one atomic script. */
export class RateLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly windowMs: number,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once after a script cache flush.
    if (!('llSlidingWindow' in redis)) redis.defineCommand('llSlidingWindow', { lua: SLIDING_WINDOW_LUA });
    this.redis = redis as ScriptedRedis;
  }

  // Members only need to be unique within a millisecond: an instance prefix and a counter are enough
  // (and cheaper than random bytes per request).
  private readonly instance = randomBytes(6).toString('base64url');
  private counter = 0;

  /** Counts the request against every limit, or none of them when one is exhausted. */
  async hit(limits: readonly LimitKey[]): Promise<RateDecision> {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    const member = `${this.instance}${this.counter}`;
    const reply = await this.redis.llSlidingWindow(
      limits.length,
      ...limits.map((l) => l.key),
      this.windowMs,
      member,
      ...limits.map((l) => l.limit),
    );
    const { allowed, now, states } = parseScriptReply(
      reply,
      limits.map((l) => l.limit),
    );
    return decide(allowed, now, states, this.windowMs);
  }
}
