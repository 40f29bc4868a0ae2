import { LRUCache } from 'lru-cache';
import type { Pool, PoolClient } from 'pg';
import { quoteIdent, rowsByKeys } from '../postgres/sql.js';
import type { ReadModelDocument } from './projection.js';

type Db = Pool | PoolClient;

interface TableShape {
  columns: string[];
  keyType: string;
  /** Columns whose JSON form is not what the Prisma client gives (timestamps, bigints, bytes). */
  revive: Array<[column: string, kind: Revived]>;
}

type Revived = 'date' | 'utc' | 'bigint' | 'bytes';

const revivedKind = (type: string): Revived | undefined => {
  // A timestamp without time zone holds UTC for Prisma; its JSON has no offset (it would parse as local time).
  if (type.startsWith('timestamp') && type.endsWith('without time zone')) return 'utc';
  if (type.startsWith('timestamp') || type === 'date') return 'date';
  if (type === 'bigint') return 'bigint';
  if (type === 'bytea') return 'bytes';
  return undefined;
};

/**
 * Turns a row as `to_jsonb` gives it into the Prisma client's shape: timestamps as Date, bigints
 * as bigint, bytes as Buffer. Projections are typed by the Prisma model, so they get what it says.
 */
function reviveRow(shape: TableShape, doc: ReadModelDocument): ReadModelDocument {
  for (const [column, kind] of shape.revive) {
    const value = doc[column];
    if (value === null || value === undefined) continue;
    if (kind === 'date') doc[column] = new Date(value as string);
    else if (kind === 'utc') doc[column] = new Date(`${value as string}Z`);
    else if (kind === 'bigint') doc[column] = BigInt(value as number | string);
    else doc[column] = Buffer.from(String(value).replace(/^\\x/, ''), 'hex');
  }
  return doc;
}

// JSON for jsonb_populate_recordset: Dates serialise themselves; bigints and bytes need help.
function toRowJson(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return `\\x${Buffer.from(raw).toString('hex')}`;
  return typeof value === 'bigint' ? value.toString() : value;
}

// Column lists per schema-qualified table; dropped on any write error so a migrated table
// (for instance after a blue/green swap) is described afresh on the next attempt.
const shapes = new LRUCache<string, TableShape>({ max: 1000 });

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
  const revive = rows.flatMap((r): TableShape['revive'] => {
    const kind = revivedKind(r.type);
    return kind ? [[r.name, kind]] : [];
  });
  const shape = { columns: rows.map((r) => r.name), keyType: keyColumn.type, revive };
  shapes.set(cacheKey, shape);
  return shape;
}

// Statement names by text. Inline projections run the same few load and write statements on
// every append; named, Postgres parses and plans each once per connection instead of per call.
// A failed statement gets a new name next time, so a changed table is prepared afresh.
const statementNames = new LRUCache<string, string>({ max: 5000 });
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
  const shape = await shapeOf(db, schema, table, key);
  const { keyType } = shape;
  const { rows } = await db.query<{ id: string; doc: ReadModelDocument }>(
    `SELECT k.key::text AS id, to_jsonb(l.t) AS doc
     FROM ${rowsByKeys(`${quoteIdent(schema)}.${quoteIdent(table)}`, key, `$1::${keyType}[]`)}`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, reviveRow(shape, r.doc)]));
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

/** A statement that loads rows of several tables (its text and parameters), and how to read its rows. */
export interface LoadStatement {
  /** `SELECT i, id, doc …` (UNION ALL of one SELECT per table), parameters from `$<firstParam>`. */
  text: string;
  values: string[][];
  /** One map per entry of `loads`: key → row in the Prisma client's shape. */
  read(
    rows: ReadonlyArray<{ i: number; id: string; doc: ReadModelDocument }>,
  ): Map<string, ReadModelDocument>[];
}

/**
 * Builds the statement that loads rows of several tables in one round trip (UNION ALL), numbering
 * its parameters from `firstParam`, so that it can also ride inside another statement (an append's
 * CTE) instead of costing a round trip of its own. Undefined when there is nothing to load.
 */
export async function loadStatement(
  db: Db,
  schema: string,
  loads: TableLoad[],
  firstParam = 1,
): Promise<LoadStatement | undefined> {
  const parts: string[] = [];
  const values: string[][] = [];
  const tableShapes: TableShape[] = [];
  for (const [i, load] of loads.entries()) {
    if (load.ids.length === 0) continue;
    const shape = await shapeOf(db, schema, load.table, load.key);
    tableShapes[i] = shape;
    values.push(load.ids);
    parts.push(
      `SELECT ${i} AS i, k.key::text AS id, to_jsonb(l.t) AS doc
       FROM ${rowsByKeys(
         `${quoteIdent(schema)}.${quoteIdent(load.table)}`,
         load.key,
         `$${firstParam + values.length - 1}::${shape.keyType}[]`,
       )}`,
    );
  }
  if (parts.length === 0) return undefined;
  return {
    text: parts.join('\nUNION ALL\n'),
    values,
    read(rows) {
      const maps = loads.map(() => new Map<string, ReadModelDocument>());
      for (const row of rows) maps[row.i]!.set(row.id, reviveRow(tableShapes[row.i]!, row.doc));
      return maps;
    },
  };
}

/** Forgets a named statement whose execution failed (a migrated table is prepared afresh). */
export const forgetStatement = (text: string): void => {
  statementNames.delete(text);
};

/** A statement text with its per-process name, so Postgres parses and plans it once per connection. */
export const namedStatement = (text: string): { name: string; text: string } => named(text);

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
  const statement = await loadStatement(db, schema, loads);
  if (!statement) return loads.map(() => new Map<string, ReadModelDocument>());
  try {
    const { rows } = await db.query<{ i: number; id: string; doc: ReadModelDocument }>({
      ...named(statement.text),
      values: statement.values,
    });
    return statement.read(rows);
  } catch (error) {
    statementNames.delete(statement.text);
    throw error;
  }
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
  const plan = await writeStatement(db, schema, writes, options);
  if (!plan.statement) return plan.read([]);
  try {
    const { rows } = await db.query<WrittenRow>(plan.statement);
    return plan.read(rows);
  } catch (error) {
    plan.failed();
    throw error;
  }
}

/** A row a write statement returns (with `returning`): its write's index, key and stored row. */
export interface WrittenRow {
  i: number;
  id: string;
  doc: ReadModelDocument;
}

/** The statement of {@link writeDocumentsOf}, to run by whoever owns the round trip (an append commits behind it). */
export interface WritePlan {
  /** Absent when there is nothing to write. */
  statement?: { name: string; text: string; values: unknown[] };
  /** The rows as written, from what the statement returned. */
  read(rows: readonly WrittenRow[]): WrittenRows;
  /** Call when the statement failed: its tables are described and prepared afresh next time. */
  failed(): void;
}

/** Builds the write of {@link writeDocumentsOf} without running it. */
export async function writeStatement(
  db: Db,
  schema: string,
  writes: TableWrite[],
  options: { returning?: boolean } = {},
): Promise<WritePlan> {
  const written: WrittenRows = new Map();
  const forget = () => {
    for (const { table } of writes) shapes.delete(`${schema}.${table}`);
  };
  const ctes: string[] = [];
  const upserting: number[] = [];
  const values: unknown[] = [];
  const tableShapes: TableShape[] = [];
  try {
    for (const [i, { table, key, upserts, deletes }] of writes.entries()) {
      const shape = await shapeOf(db, schema, table, key);
      tableShapes[i] = shape;
      const { columns, keyType } = shape;
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
        values.push(JSON.stringify(upserts, toRowJson));
        upserting.push(ctes.length);
        ctes.push(
          `INSERT INTO ${target} AS t SELECT * FROM jsonb_populate_recordset(NULL::${target}, $${values.length}::jsonb)
           ON CONFLICT (${quoteIdent(key)}) ${onConflict}${returning}`,
        );
      }
      if (deletes.length > 0) {
        values.push(deletes);
        const found = rowsByKeys(target, key, `$${values.length}::${keyType}[]`);
        ctes.push(`DELETE FROM ${target} WHERE ctid = ANY(ARRAY(SELECT l.tid FROM ${found}))`);
        if (options.returning) written.set(table, new Map(deletes.map((id) => [id, null])));
      }
    }
  } catch (error) {
    forget();
    throw error;
  }
  const read = (rows: readonly WrittenRow[]): WrittenRows => {
    if (!options.returning) return written;
    for (const row of rows) {
      const table = writes[row.i]!.table;
      const rowsOfTable = written.get(table) ?? new Map<string, ReadModelDocument | null>();
      rowsOfTable.set(row.id, reviveRow(tableShapes[row.i]!, row.doc));
      written.set(table, rowsOfTable);
    }
    return written;
  };
  if (ctes.length === 0) return { read, failed: forget };
  const text =
    ctes.length === 1
      ? ctes[0]!
      : `WITH ${ctes.map((cte, n) => `w${n} AS (${cte})`).join(',\n')}
         ${options.returning && upserting.length > 0 ? upserting.map((n) => `SELECT * FROM w${n}`).join(' UNION ALL ') : 'SELECT 1 WHERE false'}`;
  return {
    statement: { ...named(text), values },
    read,
    failed: () => {
      statementNames.delete(text);
      forget();
    },
  };
}
