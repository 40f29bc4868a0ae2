import type { ExpectedVersion } from '../store/types.js';

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
RETURNING global_position, transaction_id::text AS transaction_id_text, stream_version, to_json(recorded_at) #>> '{}' AS recorded_at`;

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
