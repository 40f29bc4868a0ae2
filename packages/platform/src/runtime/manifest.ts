import type { ServiceManifest } from '@ledgerline/eventsourcing';
import type { AnyServiceDefinition } from './types.js';

/** What the ops CLI and the Helm jobs know about a service, derived from its definition. */
export function manifestOf(definition: AnyServiceDefinition): ServiceManifest {
  const features = definition.features;
  const inline = features.flatMap((f) => f.projections?.inline ?? []);
  const async = features.flatMap((f) => f.projections?.async ?? []);
  return {
    name: definition.name,
    readModelMigrationsDir: definition.readModelMigrationsDir,
    projections: [...inline, ...async],
    asyncProjections: async.map((p) => p.name),
    reactors: features.flatMap((f) => f.reactors ?? []),
  };
}
