import type { MessageMeta } from '@ledgerline/contracts';
import type { RecordedEvent } from '../store/types.js';

/** Columns every event read selects, in the shape `toRecordedEvent` maps. */
// The text form of the xid8 gets its own alias: an output column named `transaction_id` would be
// what a bare `ORDER BY transaction_id` sorts by — as text, out of log order and without the index.
export const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id_text, stream_id, stream_version,
  event_id, event_type, schema_version, data, metadata, to_json(recorded_at) #>> '{}' AS recorded_at`;

/** EVENT_COLUMNS with data and metadata only for the event types in the text[] parameter `$n`. */
export const eventColumnsWithDataOf = (
  n: number,
): string => `global_position, transaction_id::text AS transaction_id_text,
  stream_id, stream_version, event_id, event_type, schema_version,
  CASE WHEN event_type = ANY($${n}::text[]) THEN data END AS data,
  CASE WHEN event_type = ANY($${n}::text[]) THEN metadata ELSE '{}'::jsonb END AS metadata,
  to_json(recorded_at) #>> '{}' AS recorded_at`;

export interface EventRow {
  global_position: string;
  transaction_id_text: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: Partial<MessageMeta>;
  recorded_at: string;
}

/** Maps a row of `EVENT_COLUMNS` to the envelope. */
export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  type: row.event_type,
  schemaVersion: row.schema_version,
  streamId: row.stream_id,
  streamPosition: row.stream_version,
  globalPosition: Number(row.global_position),
  transactionId: Number(row.transaction_id_text),
  occurredAt: row.recorded_at,
  data: row.data,
  meta: row.metadata,
});

/** The stream type is the stream id's prefix before the first '-' (`account-<uuid>` → `account`). */
export const streamTypeOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
};
