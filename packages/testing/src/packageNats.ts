import { startTestNats, type TestNats } from './privateNats.js';

// Vitest global setup of the integration tier (vitest.config.ts): one private NATS server with
// JetStream for the whole run of a package, handed to its test files as NATS_URL. Services' subjects
// are fixed by the contracts (`identity.cmd.Login`) and the EVENTS stream is shared, so two
// packages' tests on one server would answer each other's requests and consume each other's
// events; on a server each, the packages' integration tiers run side by side (`turbo run test:int`).
// Where no nats-server binary is installed, startTestNats answers the shared server: run the
// packages one at a time there (`--concurrency=1`).
let nats: TestNats | undefined;

export async function setup(): Promise<void> {
  nats = await startTestNats({ jetstream: true });
  // Read by infrastructure() and every test that connects on its own; forked workers inherit it.
  process.env.NATS_URL = nats.url;
}

export async function teardown(): Promise<void> {
  await nats?.stop();
}
