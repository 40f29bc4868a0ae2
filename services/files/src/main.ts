import { runService } from '@ledgerline/platform/run';

await runService('files', () => import('./service.js'));
