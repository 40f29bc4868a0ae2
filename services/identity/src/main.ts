import { runService } from '@ledgerline/platform/run';

await runService('identity', () => import('./service.js'));
