import { schemasOf } from '@ledgerline/eventsourcing';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

/** Identity's Prisma client: queries on the read models in `<service>_rm`. */
export type ReadModels = PrismaClient;

/**
 * A Prisma client over the service's own pg pool (one pool per process, not two), pinned to the
 * read-model schema through the adapter's `schema` option, so a test's unique schema just works.
 */
export function createReadModels(pool: pg.Pool, service: string): ReadModels {
  const adapter = new PrismaPg(pool, { schema: schemasOf(service).readModel });
  return new PrismaClient({ adapter });
}
