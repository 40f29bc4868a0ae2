import { registry } from '@ledgerline/contracts';
import { AsyncProjector, EventRelay, type Projection } from '@ledgerline/eventsourcing';
import { ensureStreams, type Logger, type NatsConnection } from '@ledgerline/platform';
import { jetstream } from '@nats-io/jetstream';
import type { IdentityInfrastructure } from './infrastructure.js';

/** The service name in public subjects (`evt.identity.<Type>`), whatever the schema name is. */
export const PUBLIC_SERVICE = 'identity';

/** Identity's public event types: in the contracts registry, `public`, produced by identity. */
export const publicEventTypes = (): ReadonlySet<string> =>
  new Set(
    registry
      .list()
      .filter((c) => c.kind === 'event' && c.public && c.service === PUBLIC_SERVICE)
      .map((c) => c.name),
  );

export interface Publishing {
  relay: EventRelay;
  projectors: AsyncProjector[];
  stop(): Promise<void>;
}

/** Starts the relay of public events to JetStream EVENTS and the async projectors. */
export async function startPublishing(
  infra: IdentityInfrastructure,
  nats: NatsConnection,
  asyncProjections: readonly Projection[],
  logger: Logger,
): Promise<Publishing> {
  await ensureStreams(nats);
  const isPublic = publicEventTypes();
  const relay = new EventRelay({
    pool: infra.pool,
    service: infra.service,
    subjectService: PUBLIC_SERVICE,
    js: jetstream(nats),
    isPublic: (type) => isPublic.has(type),
    store: infra.store,
    onError: (err) => logger.warn({ err }, 'event relay failed; retrying'),
  });
  const projectors = asyncProjections.map(
    (projection) =>
      new AsyncProjector({
        pool: infra.pool,
        service: infra.service,
        projection,
        waitForAppend: (ms) => infra.store.waitForAppend(ms),
        onError: (err) => logger.warn({ err, projection: projection.name }, 'projection failed; retrying'),
      }),
  );
  relay.start();
  for (const projector of projectors) projector.start();
  const stop = async () => {
    await Promise.all([relay.stop(), ...projectors.map((p) => p.stop())]);
  };
  return { relay, projectors, stop };
}
