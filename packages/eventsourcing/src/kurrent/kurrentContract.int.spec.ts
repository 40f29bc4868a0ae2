import { describe } from 'vitest';
import { describeEventStoreContract } from '../store/eventStoreContract.test-helpers.js';
import { KurrentEventStore } from './kurrentEventStore.js';
import { kurrentServer } from './kurrentServer.test-helpers.js';

// Runs against KURRENTDB_URL (e.g. kurrentdb://127.0.0.1:2113?tls=false), else a container when a
// Docker daemon answers; otherwise the suite is skipped and says why.
const server = await kurrentServer();
if (server.kind === 'skip') console.warn(`KurrentDB contract suite skipped: ${server.reason}`);

describe.skipIf(server.kind === 'skip')('KurrentDB', () => {
  describeEventStoreContract('KurrentEventStore', async () => {
    if (server.kind === 'skip') throw new Error('unreachable: the suite is skipped');
    const store = KurrentEventStore.connect(server.connectionString);
    return {
      store,
      async teardown() {
        await store.close();
        await server.stop();
      },
    };
  });
});
