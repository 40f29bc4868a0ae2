import type { VerificationHooks, VerificationStep } from '../filesDeps.js';

/**
 * Where FILES_CRASH_AT kills the process, as the issue names the points: after the HEAD is
 * recorded, after the hash is recorded, after the copy is written (before its record), and before
 * the quarantine object is deleted (the move recorded).
 */
export const CRASH_POINTS = {
  'after-head': 'checked',
  'after-hash': 'hashed',
  'after-copy': 'copy-written',
  'before-delete': 'copied',
} as const satisfies Record<string, VerificationStep>;

export type CrashPoint = keyof typeof CRASH_POINTS;

/**
 * Test only (the crash test sets FILES_CRASH_AT on a child process): SIGKILL, not an exception, so
 * nothing after the step runs (no reply, no finally, no graceful shutdown), exactly as a crash.
 */
export function crashHooks(point: CrashPoint | undefined): VerificationHooks {
  if (point === undefined) return {};
  return {
    afterStep(step) {
      if (step === CRASH_POINTS[point]) process.kill(process.pid, 'SIGKILL');
    },
  };
}
