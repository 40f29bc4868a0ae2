import type { AnyProjection } from './projections/projection.js';
import type { AnyReactor } from './reactors/reactor.js';

/**
 * What a service tells the ops tooling about itself: where its read-model migrations live and
 * which projections write its read-model schema. `migrate`, `projections status|rebuild` and the
 * Helm jobs work from this, so every deployment path uses the same list.
 */
export interface ServiceManifest {
  /** The service name; its schemas are `<name>_es` and `<name>_rm`. */
  name: string;
  /** Prisma-format migrations folder of the read models (absolute path), if it has read models. */
  readModelMigrationsDir?: string;
  /** Every projection writing `<name>_rm` (inline and async). */
  projections: readonly AnyProjection[];
  /** Names of the service's async projections (run by AsyncProjector), for status reporting. */
  asyncProjections?: string[];
  /** The service's reactors (ReactorRunner), for status reporting and dead-letter retries. */
  reactors?: readonly AnyReactor[];
}

/** Identity function that type-checks a manifest. */
export const defineServiceManifest = (manifest: ServiceManifest): ServiceManifest => manifest;
