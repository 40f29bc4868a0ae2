/**
 * How one kind of attempt (password login per account, per IP, code requests…) is slowed down.
 * Attempts are counted when they start (a burst of parallel guesses cannot all slip past the
 * check) and a success forgives its own attempt; a window of quiet forgets the count.
 */
export interface ThrottlePolicy {
  /** Part of the Redis key: `login-account`, `login-ip`, … */
  name: string;
  /** Attempts allowed back to back before delays start. */
  freeAttempts: number;
  /** The first delay; each further attempt doubles it, up to maxDelaySeconds. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** The attempt that locks the key for lockSeconds (and starts a fresh count). */
  lockAfter: number;
  lockSeconds: number;
  /** The count is forgotten after this long without an attempt. */
  windowSeconds: number;
}

/**
 * The wait imposed after each attempt, in ms, indexed by attempt number − 1; the last entry is
 * the lock. Computed here (pure, unit-tested) and handed to the Redis script, which only indexes it.
 */
export function delaySchedule(policy: ThrottlePolicy): number[] {
  const schedule: number[] = [];
  for (let attempt = 1; attempt <= policy.lockAfter; attempt++) {
    if (attempt >= policy.lockAfter) schedule.push(policy.lockSeconds * 1000);
    else if (attempt <= policy.freeAttempts) schedule.push(0);
    else {
      const doubling = policy.baseDelaySeconds * 2 ** (attempt - policy.freeAttempts - 1);
      schedule.push(Math.min(doubling, policy.maxDelaySeconds) * 1000);
    }
  }
  return schedule;
}

/** Seconds to announce in Retry-After for a wait in ms (never 0: the client must wait). */
export const retryAfterSeconds = (waitMs: number): number => Math.max(1, Math.ceil(waitMs / 1000));

/** Builds a policy from the two figures operators tune (failures before the lock, lock length). */
export const policy = (
  name: string,
  lockAfter: number,
  lockSeconds: number,
  overrides: Partial<Omit<ThrottlePolicy, 'name' | 'lockAfter' | 'lockSeconds'>> = {},
): ThrottlePolicy => ({
  name,
  lockAfter,
  lockSeconds,
  freeAttempts: Math.max(1, Math.floor(lockAfter / 2)),
  baseDelaySeconds: 1,
  maxDelaySeconds: 30,
  windowSeconds: lockSeconds,
  ...overrides,
});
