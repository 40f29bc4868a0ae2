/**
 * Sliding-log rate limiting in one Redis round trip. Each limit is a sorted set of request timestamps;
 * the script drops entries older than the window, refuses when any set is full and otherwise records
 * the request in every set, so several limits (per IP + e-mail and per IP) are checked atomically.
 * Time comes from the Redis server, so gateway replicas with skewed clocks share one timeline.
 *
 * Returns `[allowed, nowMs, count1, edge1, count2, edge2, …]`, where `count` is the number of requests
 * in the window before this one and `edge` the timestamp of the entry whose expiry frees the next slot
 * (-1 when the set is empty).
 */
export const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local allowed = 1
local out = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local edge = -1
  if count >= limit then
    allowed = 0
    edge = tonumber(redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')[2])
  elseif count > 0 then
    edge = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
  end
  out[#out + 1] = count
  out[#out + 1] = edge
end
if allowed == 1 then
  for _, key in ipairs(KEYS) do
    redis.call('ZADD', key, now, string.format('%d', now) .. '-' .. ARGV[2])
    redis.call('PEXPIRE', key, window)
  end
end
table.insert(out, 1, now)
table.insert(out, 1, allowed)
return out
`;

/** One limit as the script saw it. */
export interface WindowState {
  readonly limit: number;
  /** Requests already in the window before this one. */
  readonly count: number;
  /** Timestamp (ms) of the entry whose expiry frees a slot; -1 when none. */
  readonly edge: number;
}

/** The outcome for the caller, in the units of the RateLimit-* and Retry-After headers. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until a slot frees up (RateLimit-Reset). */
  readonly resetSeconds: number;
  /** Seconds to wait before retrying; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** Parses the script's flat reply into one state per limit. */
export function parseScriptReply(
  reply: readonly number[],
  limits: readonly number[],
): { allowed: boolean; now: number; states: WindowState[] } {
  const [allowed = 0, now = 0, ...rest] = reply.map(Number);
  const states = limits.map((limit, i) => ({ limit, count: rest[i * 2] ?? 0, edge: rest[i * 2 + 1] ?? -1 }));
  return { allowed: allowed === 1, now, states };
}

/**
 * The headline decision: the tightest limit (fewest remaining) is reported; when refused, the wait is
 * the longest among the full limits, since every one of them must have a free slot.
 */
export function decide(
  allowed: boolean,
  now: number,
  states: readonly WindowState[],
  windowMs: number,
): RateDecision {
  const views = states.map((s) => {
    const used = allowed ? s.count + 1 : s.count;
    const waitMs = s.edge < 0 ? windowMs : Math.max(0, s.edge + windowMs - now);
    return { limit: s.limit, remaining: Math.max(0, s.limit - used), waitMs, full: s.count >= s.limit };
  });
  const tightest = views.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  const retryMs = allowed ? 0 : Math.max(...views.filter((v) => v.full).map((v) => v.waitMs), 0);
  return {
    allowed,
    limit: tightest.limit,
    remaining: tightest.remaining,
    resetSeconds: Math.max(1, Math.ceil(tightest.waitMs / 1000)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
  };
}
