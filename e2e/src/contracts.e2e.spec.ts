import { type RequestContract, registry } from '@ledgerline/contracts';
import {
  closeNats,
  connectNats,
  metaToNatsHeaders,
  type NatsConnection,
  newRootMeta,
} from '@ledgerline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';

// Contract tests across services: every request subject a consumer sends has a live producer that
// answers in the contract's reply shape, and every event a consumer reads is published by its
// producer under the registry's schema.
let cluster: Cluster;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startCluster();
  nc = await connectNats({ servers: [cluster.natsUrl], name: 'e2e-contracts' });
});
afterAll(async () => {
  await closeNats(nc);
  await cluster?.stop();
});

const requestsConsumedBy = (consumer: string) =>
  registry
    .consumptions()
    .filter((c) => c.consumer === consumer)
    .map((c) => registry.get(c.subject))
    .filter((c): c is RequestContract => c !== undefined && c.kind !== 'event');

describe('contracts between running services', () => {
  it('has a live identity responder for every subject the gateway sends, replying in the contract shape', async () => {
    const contracts = requestsConsumedBy('api-gateway').filter((c) => c.service === 'identity');
    expect(contracts.length).toBeGreaterThan(20);
    const headers = metaToNatsHeaders(newRootMeta({ type: 'anonymous' }));
    for (const contract of contracts) {
      // An empty request: most fail validation, a few (GetJwks) succeed; either way the reply must
      // come from identity and parse with this very contract.
      const reply = await nc.request(contract.subject, JSON.stringify({}), { timeout: 5000, headers });
      const parsed = contract.replyEnvelope.safeParse(reply.json());
      expect(parsed.success, `${contract.subject}: ${reply.string()}`).toBe(true);
      if (parsed.success && !parsed.data.ok) {
        expect(['VALIDATION', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND'], contract.subject).toContain(
          parsed.data.error.code,
        );
      }
    }
  });

  it('publishes every event the notifier consumes (identity and billing mails) as a public contract', () => {
    const consumed = registry.consumptions().filter((c) => c.consumer === 'notifier');
    expect(consumed.length).toBeGreaterThan(0);
    const producers = new Set<string>();
    for (const { subject } of consumed) {
      const contract = registry.get(subject);
      expect(contract, subject).toMatchObject({ kind: 'event', public: true });
      producers.add(contract!.service);
    }
    expect([...producers].sort()).toEqual(['billing', 'identity']);
  });
});
