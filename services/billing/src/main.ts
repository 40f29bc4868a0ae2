import { runService } from '@ledgerline/platform/run';

await runService('billing', () => import('./service.js'));
