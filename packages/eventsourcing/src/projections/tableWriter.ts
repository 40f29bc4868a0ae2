import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '../postgres/sql.js';
import type { ReadModelDocument } from './projection.js';

type Db = Pool | PoolClient;

interface TableShape {
  columns: string[];
  keyType: string;
}

// Column lists per schema-qualified table; dropped on any write error so a migrated table
// (for instance after a blue/green swap) is described afresh on the next attempt.
const shapes = new Map<string, TableShape>();

async function shapeOf(db: Db, schema: string, table: string, key: string): Promise<TableShape> {
  const cacheKey = `${schema}.${table}`;
  const cached = shapes.get(cacheKey);
  if (cached) return cached;
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [schema, table],
  );
  const keyColumn = rows.find((r) => r.name === key);
  if (!keyColumn)
    throw new Error(`read-model table ${schema}.${table} with key column "${key}" does not exist`);
  const shape = { columns: rows.map((r) => r.name), keyType: keyColumn.type };
  shapes.set(cacheKey, shape);
  return shape;
}

/** Forgets cached table shapes (after migrations). */
export const forgetTableShapes = (): void => shapes.clear();

/** Loads rows by key as JSON documents. */
export async function loadDocuments(
  db: Db,
  schema: string,
  table: string,
  key: string,
  ids: string[],
): Promise<Map<string, ReadModelDocument>> {
  if (ids.length === 0) return new Map();
  const { keyType } = await shapeOf(db, schema, table, key);
  const { rows } = await db.query<{ id: string; doc: ReadModelDocument }>(
    `SELECT ${quoteIdent(key)}::text AS id, to_jsonb(t) AS doc FROM ${quoteIdent(schema)}.${quoteIdent(table)} t
     WHERE ${quoteIdent(key)} = ANY($1::${keyType}[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.doc]));
}

/**
 * Writes a batch in two statements: every upsert through jsonb_populate_recordset (Postgres
 * converts JSON values to the column types) and every delete through one ANY(). Documents
 * hold whole rows: a missing column is written as NULL.
 */
export async function writeDocuments(
  db: Db,
  schema: string,
  table: string,
  key: string,
  upserts: ReadModelDocument[],
  deletes: string[],
): Promise<void> {
  try {
    const { columns, keyType } = await shapeOf(db, schema, table, key);
    const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
    if (upserts.length > 0) {
      const updates = columns
        .filter((c) => c !== key)
        .map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`)
        .join(', ');
      const onConflict = updates ? `DO UPDATE SET ${updates}` : 'DO NOTHING';
      await db.query(
        `INSERT INTO ${target} SELECT * FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)
         ON CONFLICT (${quoteIdent(key)}) ${onConflict}`,
        [JSON.stringify(upserts)],
      );
    }
    if (deletes.length > 0) {
      await db.query(`DELETE FROM ${target} WHERE ${quoteIdent(key)} = ANY($1::${keyType}[])`, [deletes]);
    }
  } catch (error) {
    shapes.delete(`${schema}.${table}`);
    throw error;
  }
}
