import { type MessageMeta, metaFromHeaderRecord, metaToHeaderRecord } from '@ledgerline/contracts';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import { traceHeadersFrom } from '../telemetry/traceContext.js';

/**
 * Encodes `meta` as NATS headers. When a span is active, its traceparent/tracestate replace the
 * ones in `meta`, so the receiver's span becomes a child of the span that sent the message.
 */
export function metaToNatsHeaders(meta: MessageMeta, extra: Record<string, string> = {}): MsgHdrs {
  const active = traceHeadersFrom();
  const withTrace: MessageMeta = active.traceparent ? { ...meta, ...active } : meta;
  const record = { ...metaToHeaderRecord(withTrace), ...extra };
  const h = natsHeaders();
  for (const [name, value] of Object.entries(record)) h.set(name, value);
  return h;
}

/** Plain record of NATS headers (first value of each); empty when the message has none. */
export function natsHeadersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!h) return record;
  for (const name of h.keys()) record[name] = h.get(name);
  return record;
}

/** Reads message metadata from NATS headers; throws ValidationError listing every bad header. */
export function metaFromNatsHeaders(h: MsgHdrs | undefined): MessageMeta {
  return metaFromHeaderRecord(natsHeadersToRecord(h));
}
