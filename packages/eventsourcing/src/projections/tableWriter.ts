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

// Statement names by text. Inline projections run the same few load and write statements on
// every append; named, Postgres parses and plans each once per connection instead of per call.
// A failed statement gets a new name next time, so a changed table is prepared afresh.
const statementNames = new Map<string, string>();
let statementCount = 0;
const named = (text: string) => {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ll:rm:${++statementCount}`;
    statementNames.set(text, name);
  }
  return { name, text };
};

/** Forgets cached table shapes (after migrations). */
export const forgetTableShapes = (): void => {
  shapes.clear();
  statementNames.clear();
};

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

/** One table's share of a batch: the rows to load, or the rows to write. */
export interface TableLoad {
  table: string;
  key: string;
  ids: string[];
}
export interface TableWrite {
  table: string;
  key: string;
  upserts: ReadModelDocument[];
  deletes: string[];
}

/**
 * Loads rows of several tables in one round trip (UNION ALL), one map per entry of `loads`.
 * Inline projections use it: each statement inside the append transaction holds a pooled
 * connection for one more round trip, and commands are bound by those round trips.
 */
export async function loadDocumentsOf(
  db: Db,
  schema: string,
  loads: TableLoad[],
): Promise<Map<string, ReadModelDocument>[]> {
  const parts: string[] = [];
  const values: string[][] = [];
  for (const [i, load] of loads.entries()) {
    if (load.ids.length === 0) continue;
    const { keyType } = await shapeOf(db, schema, load.table, load.key);
    values.push(load.ids);
    parts.push(
      `SELECT ${i} AS i, ${quoteIdent(load.key)}::text AS id, to_jsonb(t) AS doc
       FROM ${quoteIdent(schema)}.${quoteIdent(load.table)} t
       WHERE ${quoteIdent(load.key)} = ANY($${values.length}::${keyType}[])`,
    );
  }
  const maps = loads.map(() => new Map<string, ReadModelDocument>());
  if (parts.length === 0) return maps;
  const text = parts.join('\nUNION ALL\n');
  try {
    const { rows } = await db.query<{ i: number; id: string; doc: ReadModelDocument }>({
      ...named(text),
      values,
    });
    for (const row of rows) maps[row.i]!.set(row.id, row.doc);
  } catch (error) {
    statementNames.delete(text);
    throw error;
  }
  return maps;
}

/** Writes a batch to one table in two statements; see {@link writeDocumentsOf}. */
export async function writeDocuments(
  db: Db,
  schema: string,
  table: string,
  key: string,
  upserts: ReadModelDocument[],
  deletes: string[],
): Promise<void> {
  await writeDocumentsOf(db, schema, [{ table, key, upserts, deletes }]);
}

/** Rows as written: table → key → row as stored (null: deleted). */
export type WrittenRows = Map<string, Map<string, ReadModelDocument | null>>;

/**
 * Writes batches to several tables in one statement: every upsert through jsonb_populate_recordset
 * (Postgres converts JSON values to the column types) and every delete through one ANY(), each a
 * data-modifying CTE. Documents hold whole rows: a missing column is written as NULL. Each table
 * must appear once (sibling CTEs do not see each other's rows). With `returning`, answers the rows
 * as Postgres stored them (inline projections hand them to the command that wrote them).
 */
export async function writeDocumentsOf(
  db: Db,
  schema: string,
  writes: TableWrite[],
  options: { returning?: boolean } = {},
): Promise<WrittenRows> {
  const written: WrittenRows = new Map();
  let text = '';
  try {
    const ctes: string[] = [];
    const upserting: number[] = [];
    const values: unknown[] = [];
    for (const [i, { table, key, upserts, deletes }] of writes.entries()) {
      const { columns, keyType } = await shapeOf(db, schema, table, key);
      const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
      if (upserts.length > 0) {
        const updates = columns
          .filter((c) => c !== key)
          .map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`)
          .join(', ');
        const onConflict = updates ? `DO UPDATE SET ${updates}` : 'DO NOTHING';
        const returning = options.returning
          ? ` RETURNING ${i} AS i, t.${quoteIdent(key)}::text AS id, to_jsonb(t) AS doc`
          : '';
        values.push(JSON.stringify(upserts));
        upserting.push(ctes.length);
        ctes.push(
          `INSERT INTO ${target} AS t SELECT * FROM jsonb_populate_recordset(NULL::${target}, $${values.length}::jsonb)
           ON CONFLICT (${quoteIdent(key)}) ${onConflict}${returning}`,
        );
      }
      if (deletes.length > 0) {
        values.push(deletes);
        ctes.push(`DELETE FROM ${target} WHERE ${quoteIdent(key)} = ANY($${values.length}::${keyType}[])`);
        if (options.returning) written.set(table, new Map(deletes.map((id) => [id, null])));
      }
    }
    if (ctes.length === 0) return written;
    text =
      ctes.length === 1
        ? ctes[0]!
        : `WITH ${ctes.map((cte, n) => `w${n} AS (${cte})`).join(',\n')}
           ${options.returning && upserting.length > 0 ? upserting.map((n) => `SELECT * FROM w${n}`).join(' UNION ALL ') : 'SELECT 1 WHERE false'}`;
    const { rows } = await db.query<{ i: number; id: string; doc: ReadModelDocument }>({
      ...named(text),
      values,
    });
    if (options.returning) {
      for (const row of rows) {
        const table = writes[row.i]!.table;
        const rowsOfTable = written.get(table) ?? new Map<string, ReadModelDocument | null>();
        rowsOfTable.set(row.id, row.doc);
        written.set(table, rowsOfTable);
      }
    }
    return written;
  } catch (error) {
    statementNames.delete(text);
    for (const { table } of writes) shapes.delete(`${schema}.${table}`);
    throw error;
  }
}
