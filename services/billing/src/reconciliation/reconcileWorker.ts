import type { BillingDeps } from '../billingDeps.js';
import { nextCronTime } from './cron.js';
import { formatReport, reconcile } from './reconcile.js';

/** The scheduled reconciliation (RECONCILE_CRON), one active instance (a runtime worker under LeaderWorker). */
export function startReconcileWorker(deps: BillingDeps, cron: string): { stop(): Promise<void> } {
  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(ms, 60_000));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    let due = nextCronTime(cron, deps.clock());
    while (!stopping) {
      const wait = due.getTime() - deps.clock().getTime();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      try {
        const report = await reconcile(deps);
        for (const line of formatReport(report)) deps.logger.info({ reconcile: true }, line);
      } catch (err) {
        deps.logger.error({ err }, 'reconciliation failed; next run as scheduled');
      }
      due = nextCronTime(cron, deps.clock());
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
