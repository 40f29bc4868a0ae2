import { runService } from '@ledgerline/platform/run';

await runService('notifier', () => import('./service.js'));
