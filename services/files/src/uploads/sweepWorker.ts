import type { WorkerDefinition } from '@ledgerline/platform';
import type { FilesDeps } from '../filesDeps.js';
import { sweepIncoming } from './cleanup.js';

const DAY_MS = 86_400_000;

/** Milliseconds from `now` to the next `hour`:00 UTC. */
export function untilNextRun(now: Date, hour: number): number {
  const next = new Date(now);
  next.setUTCHours(hour, 0, 0, 0);
  if (next.getTime() <= now.getTime()) next.setTime(next.getTime() + DAY_MS);
  return next.getTime() - now.getTime();
}

/**
 * The nightly sweep of orphans under incoming/ (objects no live upload owns, older than a day).
 * One instance runs it (the runtime's LeaderWorker); a missed night is caught up by the next.
 */
export const sweepWorker: WorkerDefinition<FilesDeps> = {
  name: 'incoming-sweep',
  async start(deps) {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const schedule = () => {
      if (stopped) return;
      timer = setTimeout(
        () => {
          running = sweepIncoming(deps, DAY_MS / 1000)
            .catch((err: unknown) => deps.logger.error({ err }, 'incoming sweep failed'))
            .finally(schedule);
        },
        untilNextRun(deps.clock(), deps.settings.SWEEP_HOUR_UTC),
      );
    };
    schedule();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  },
};
