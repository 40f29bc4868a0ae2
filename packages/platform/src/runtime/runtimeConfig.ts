import { z } from 'zod';
import { baseConfigSchema, envBoolean, envInt, envKey32 } from '../config/loadConfig.js';

/**
 * The variables the runtime reads for every service, on top of the base config. One name for the
 * schema choice everywhere: `SERVICE_SCHEMA` (tests pass a unique one per file).
 */
export const runtimeConfigSchema = baseConfigSchema.extend({
  /** Base name of the service's schemas (`<name>_es`, `<name>_rm`); default: the service name. */
  SERVICE_SCHEMA: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
    .max(48)
    .optional(),
  /** Apply migrations at start. Default: yes outside production (there the Helm hook job runs them). */
  MIGRATE_ON_START: envBoolean().optional(),
  /** Connections for requests; the runtime adds one per background worker (each holds a lock). */
  DATABASE_POOL_SIZE: envInt().min(1).max(200).default(10),
  /**
   * Group-commit transactions of the event store in flight at once (PostgresEventStore's
   * `appendConcurrency`). 1: the commands that arrive while one runs all go in the next, so the
   * batches grow with the load and every commit, WAL flush and round trip is shared by more of
   * them (measured: POST /files/uploads 2,557 → 2,947 req/s against 2). Raise it where a commit
   * is cheap and a request's latency matters more than the throughput.
   */
  APPEND_CONCURRENCY: envInt().min(1).max(16).default(1),
});

const requiredInProduction = new WeakSet<z.ZodType>();

/**
 * A 32-byte secret (64 hex or base64) with a fixed development value: outside production the
 * default applies, in production the variable must be set (the runtime lists it as a problem).
 */
export const envSecret32 = (developmentValue: string) => {
  const schema = envKey32().default(developmentValue);
  requiredInProduction.add(schema);
  return schema;
};

/** Keys of `shape` whose schema was built with envSecret32 (checked against the raw environment). */
export const productionRequiredKeys = (shape: Record<string, z.ZodType>): string[] =>
  Object.entries(shape)
    .filter(([, schema]) => requiredInProduction.has(schema))
    .map(([name]) => name);
