import type { ExpectedVersion } from '../store/types.js';

/** What an append statement answers per event. */
const RETURNED = `global_position, transaction_id::text AS transaction_id_text, stream_id, stream_version, to_json(recorded_at) #>> '{}' AS recorded_at`;

// One statement appends a whole batch: unnest() turns the parallel arrays into rows, and the
// version check rides in the same statement so an append is a single round trip.
// $1 stream_id, $2 stream_type, $3 base version, $4 ids, $5 types, $6 schema versions, $7 data, $8 metadata
const insertFrom = (table: string, baseVersion: string, guard: string) => `
INSERT INTO ${table} (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata)
SELECT $1, $2, ${baseVersion} + e.ord, e.id, e.type, e.sv, e.data, e.meta
FROM unnest($4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
  WITH ORDINALITY AS e(id, type, sv, data, meta, ord)
${guard}
ORDER BY e.ord
RETURNING ${RETURNED}`;

export interface AppendStatement {
  name: string;
  text: string;
  /** The statement ignores $3 for 'any' (it reads the head itself). */
  baseVersion: number;
}

/** Builds the append statement for an expected version; named so Postgres plans it once. */
export function appendStatement(table: string, schema: string, expected: ExpectedVersion): AppendStatement {
  if (expected === 'no_stream') {
    return {
      name: `${schema}:append:new`,
      text: insertFrom(table, '$3::int', 'WHERE $3::int = 0'),
      baseVersion: 0,
    };
  }
  if (expected === 'any') {
    const head = `(SELECT coalesce(max(stream_version), 0) FROM ${table} WHERE stream_id = $1 AND $3::int = 0)`;
    return { name: `${schema}:append:any`, text: insertFrom(table, head, ''), baseVersion: 0 };
  }
  // The stream must be exactly at `expected`: that version exists, and the unique
  // (stream_id, stream_version) key rejects the insert when a later one does.
  const guard = `WHERE EXISTS (SELECT 1 FROM ${table} WHERE stream_id = $1 AND stream_version = $3::int)`;
  return { name: `${schema}:append:at`, text: insertFrom(table, '$3::int', guard), baseVersion: expected };
}

/**
 * One statement for the appends of several streams, each at its expected version ('no_stream' or
 * a number; 'any' reads its head and takes the per-stream statement). Parameters are per event:
 * $1 stream_id, $2 stream_type, $3 the stream's expected version (0: no stream), $4 the event's
 * version, $5 ids, $6 types, $7 schema versions, $8 data, $9 metadata. A stream that must not exist
 * is refused by the unique (stream_id, stream_version) key; one expected at version n gets rows
 * only if version n is stored (the guard looks at rows stored before this statement), and the key
 * refuses it if n + 1 already is. A stream with fewer rows returned than events is a conflict.
 * The guard is a scalar subquery with LIMIT, not EXISTS: a named statement's generic plan may make
 * an EXISTS a hashed subplan, a scan of the whole log per append, when the table was young at
 * planning time (seen in the files benchmark: Postgres CPU tripled); this form stays an index probe.
 */
export function appendTogetherStatement(table: string, schema: string): { name: string; text: string } {
  return {
    name: `${schema}:append:together`,
    text: `
INSERT INTO ${table} (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata)
SELECT e.sid, e.stype, e.v, e.id, e.type, e.sv, e.data, e.meta
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::uuid[], $6::text[], $7::int[], $8::jsonb[], $9::jsonb[])
  WITH ORDINALITY AS e(sid, stype, base, v, id, type, sv, data, meta, ord)
WHERE e.base = 0 OR (SELECT true FROM ${table} x WHERE x.stream_id = e.sid AND x.stream_version = e.base LIMIT 1)
ORDER BY e.ord
RETURNING ${RETURNED}`,
  };
}
