import { describeEventStoreContract } from '../store/eventStoreContract.test-helpers.js';
import { FakeKurrentClient } from './fakeKurrentClient.test-helpers.js';
import { KurrentEventStore } from './kurrentEventStore.js';

// The adapter's own logic (revision mapping, read-back, $all paging, reservations, batching)
// against an in-memory fake of the client. The real server is covered by kurrentContract.int.spec.ts.
describeEventStoreContract('KurrentEventStore over a fake client', async () => {
  const client = new FakeKurrentClient();
  const store = new KurrentEventStore({ client: client.asClient(), ownsClient: true });
  return { store, teardown: () => store.close() };
});
