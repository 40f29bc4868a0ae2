/** Quotes a Postgres identifier (schema, table, column) so any name is safe in SQL text. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Schema names of a service: its event store and its read models. */
export const schemasOf = (service: string) => {
  const base = service.replaceAll('-', '_').toLowerCase();
  if (!/^[a-z][a-z0-9_]*$/.test(base)) throw new Error(`invalid service name for a schema: ${service}`);
  return { eventStore: `${base}_es`, readModel: `${base}_rm`, readModelNext: `${base}_rm_next` };
};

/** Postgres error codes the kernel reacts to. */
export const PG_UNIQUE_VIOLATION = '23505';
/** A statement sent after another one failed in the same transaction. */
export const PG_IN_FAILED_TRANSACTION = '25P02';

export const isPgError = (
  error: unknown,
  code: string,
): error is Error & { code: string; constraint?: string } =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;

/**
 * A FROM clause: the rows of `table` whose `key` is in the array parameter `keys` (`$n::type[]`),
 * as `k.key` (the key asked for), `l.t` (the row) and `l.tid` (its ctid), probed one key at a time
 * through the key's index. Not `key = ANY($n)`: a named statement's generic plan is costed once,
 * from the table's size then, and kept until the table is analyzed again (never, where autovacuum
 * is off, as on the CI machine). In the files benchmark the append's preload in that form had
 * settled on sequential scans of the young files table: 1.7 ms per append at 14k rows, the largest
 * cost of POST /files/uploads (0.2 ms in this form). A LATERAL subquery with LIMIT is not
 * flattened into a hash join; per key, the index wins as soon as the table is not tiny.
 */
export function rowsByKeys(table: string, key: string, keys: string): string {
  return `unnest(${keys}) AS k(key) CROSS JOIN LATERAL (
    SELECT t, t.ctid AS tid FROM ${table} t WHERE t.${quoteIdent(key)} = k.key LIMIT 1) AS l`;
}
