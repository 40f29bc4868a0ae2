import { HEADER, headerRecordOf, type MessageMeta, messageMetaSchema } from '@ledgerline/contracts';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { RecordedEvent } from '../store/types.js';
import type { TraceFields } from '../tracing/tracing.js';

/** The wire envelope of a public event (ARCHITECTURE.md): the stored event minus its transaction id. */
export const toWireEnvelope = (event: RecordedEvent) => ({
  id: event.id,
  type: event.type,
  schemaVersion: event.schemaVersion,
  streamId: event.streamId,
  streamPosition: event.streamPosition,
  globalPosition: event.globalPosition,
  occurredAt: event.occurredAt,
  data: event.data,
  meta: event.meta,
});

// A header value goes on the wire verbatim: never one that could split a header line.
const SAFE_HEADER_VALUE = /^[\x20-\x7E]{1,1024}$/;

/**
 * Stored meta may be partial (a migration or a replay appends with no request in flight), so
 * complete meta goes through the contract encoder and partial meta keeps whatever fields are safe.
 */
export function metaHeaderRecord(meta: Partial<MessageMeta>): Record<string, string> {
  // One parse for complete meta (the relay's every event; checking first, then encoding, parsed twice).
  const complete = messageMetaSchema.safeParse(meta);
  if (complete.success) return headerRecordOf(complete.data);
  const record: Record<string, string> = {};
  const put = (name: string, value: unknown) => {
    if (typeof value === 'string' && SAFE_HEADER_VALUE.test(value)) record[name] = value;
  };
  put(HEADER.requestId, meta.requestId);
  put(HEADER.correlationId, meta.correlationId);
  put(HEADER.causationId, meta.causationId);
  if (meta.actor !== undefined) put(HEADER.actor, JSON.stringify(meta.actor));
  put(HEADER.traceparent, meta.traceparent);
  put(HEADER.tracestate, meta.tracestate);
  put(HEADER.idempotencyKey, meta.idempotencyKey);
  return record;
}

/**
 * NATS headers of a relayed event: its meta plus `Nats-Msg-Id` = event id (JetStream dedup). `trace`
 * (the relay's producer span) replaces the stored traceparent, so consumers become its children.
 */
export function relayHeaders(event: RecordedEvent, trace: TraceFields = {}): MsgHdrs {
  const h = natsHeaders();
  const meta = trace.traceparent ? { ...event.meta, ...trace } : (event.meta ?? {});
  for (const [name, value] of Object.entries(metaHeaderRecord(meta))) h.set(name, value);
  h.set(HEADER.natsMsgId, event.id);
  return h;
}
