import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';

type PrismaClientClass<RM> = new (options: { adapter: PrismaPg; errorFormat?: 'minimal' }) => RM;

/**
 * The `readModels.client` factory for a service's generated Prisma client: one pool per process
 * (the runtime's), pinned to the read-model schema through the adapter's `schema` option, so a
 * test's unique SERVICE_SCHEMA just works.
 */
export function prismaReadModels<RM>(PrismaClient: PrismaClientClass<RM>) {
  return (pool: pg.Pool, readModelSchema: string): RM => {
    const adapter = new PrismaPg(pool, { schema: readModelSchema, statementNameGenerator });
    // errorFormat 'minimal': the default captures `new Error()` on every query to point pretty
    // messages at the caller's line; that stack capture was most of findUnique's own CPU on GET /me.
    return new PrismaClient({ adapter, errorFormat: 'minimal' });
  };
}

// Prisma's adapter sends every query as an unnamed statement, so Postgres parses and plans each
// call. Named, each of the few query shapes is prepared once per connection; the cap only guards
// against unbounded shapes.
const statementNames = new Map<string, string>();
function statementNameGenerator(query: { sql: string }): string {
  let name = statementNames.get(query.sql);
  if (name === undefined && statementNames.size < 1_000) {
    name = `prisma:${statementNames.size + 1}`;
    statementNames.set(query.sql, name);
  }
  return name ?? ''; // '' is the unnamed statement
}
