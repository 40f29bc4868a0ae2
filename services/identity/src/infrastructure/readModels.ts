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
  const adapter = new PrismaPg(pool, { schema: schemasOf(service).readModel, statementNameGenerator });
  // errorFormat 'minimal': the default ('colorless') captures `new Error()` on every query to point
  // pretty error messages at the caller's line; that stack capture was most of findUnique's own CPU
  // on GET /me. Errors keep their code and message; only the call-site excerpt goes.
  return new PrismaClient({ adapter, errorFormat: 'minimal' });
}

// Prisma's adapter sends every query as an unnamed statement, so Postgres parsed and planned
// GET /me's SELECT on every call (its CPU is shared with ours). Named, each of the few query
// shapes is prepared once per connection. The cap only guards against unbounded shapes.
const statementNames = new Map<string, string>();
function statementNameGenerator(query: { sql: string }): string {
  let name = statementNames.get(query.sql);
  if (name === undefined && statementNames.size < 1_000) {
    name = `prisma:${statementNames.size + 1}`;
    statementNames.set(query.sql, name);
  }
  return name ?? ''; // '' is the unnamed statement
}
