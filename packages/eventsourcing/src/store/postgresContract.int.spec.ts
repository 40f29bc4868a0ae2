import { dropServiceSchemas, testPool, uniqueServiceName } from '@ledgerline/testing';
import { migrateService } from '../migrations/kernelMigrations.js';
import { PostgresEventStore } from '../postgres/pgEventStore.js';
import { describeEventStoreContract } from './eventStoreContract.test-helpers.js';

describeEventStoreContract('PostgresEventStore', async () => {
  const service = uniqueServiceName('contract');
  const pool = await testPool(30);
  await migrateService(pool, service);
  const store = new PostgresEventStore({ pool, service, pollIntervalMs: 50 });
  return {
    store,
    async teardown() {
      await store.close();
      await dropServiceSchemas(pool, service);
      await pool.end();
    },
  };
});
