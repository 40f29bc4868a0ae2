import { z } from 'zod';
import { validationErrorFromZod } from './errorMapping.js';
import { ValidationError } from './errors.js';

/** NATS header names; one place so producers and consumers cannot drift apart. */
export const HEADER = {
  requestId: 'll-request-id',
  correlationId: 'll-correlation-id',
  causationId: 'll-causation-id',
  /** JSON-encoded {@link Actor}. */
  actor: 'll-actor',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  idempotencyKey: 'll-idempotency-key',
  /** The caller's deadline, epoch milliseconds: the receiver does not start work nobody waits for. */
  deadline: 'll-deadline',
  /** JetStream de-duplication id: the event id on `EVENTS`, the Stripe event id on `EXTERNAL`. */
  natsMsgId: 'Nats-Msg-Id',
} as const;
export type HeaderName = (typeof HEADER)[keyof typeof HEADER];

// W3C Trace Context, version 00: https://www.w3.org/TR/trace-context/#traceparent-header-field-values.
// Version ff and all-zero trace/parent ids are invalid by the spec.
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

// Header values end up on the wire verbatim: no spaces, no CR/LF that could split a header.
const headerToken = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7E]+$/, 'must be printable ASCII without spaces');

/** Who is acting: a signed-in user, a service (saga, relay), the system (scheduler) or nobody. */
export const actorSchema = z.object({
  type: z.enum(['user', 'service', 'system', 'anonymous']),
  id: z.string().min(1).optional(),
  roles: z.array(z.string().min(1)).optional(),
  tier: z.string().min(1).optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/** W3C `traceparent` header value. */
export const traceparentSchema = z.string().regex(TRACEPARENT, 'must be a W3C traceparent');

/** What every command, query and event carries in its NATS headers. */
export const messageMetaSchema = z.object({
  requestId: headerToken,
  correlationId: headerToken,
  causationId: headerToken,
  actor: actorSchema,
  traceparent: traceparentSchema.optional(),
  tracestate: z.string().max(512).optional(),
  idempotencyKey: headerToken.optional(),
});
export type MessageMeta = z.infer<typeof messageMetaSchema>;

/** Validates `meta` and encodes it as NATS header values (strings only, no NATS import here). */
export const metaToHeaderRecord = (meta: MessageMeta): Record<string, string> => {
  const parsed = messageMetaSchema.safeParse(meta);
  if (!parsed.success) throw validationErrorFromZod(parsed.error, 'message metadata');
  return headerRecordOf(parsed.data);
};

/** The headers of meta that `messageMetaSchema` has already parsed (no second parse). */
export const headerRecordOf = (m: MessageMeta): Record<string, string> => {
  const record: Record<string, string> = {
    [HEADER.requestId]: m.requestId,
    [HEADER.correlationId]: m.correlationId,
    [HEADER.causationId]: m.causationId,
    [HEADER.actor]: JSON.stringify(m.actor),
  };
  if (m.traceparent !== undefined) record[HEADER.traceparent] = m.traceparent;
  if (m.tracestate !== undefined) record[HEADER.tracestate] = m.tracestate;
  if (m.idempotencyKey !== undefined) record[HEADER.idempotencyKey] = m.idempotencyKey;
  return record;
};

const parseActorHeader = (raw: string | undefined): unknown => {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ValidationError(
      `Invalid message headers: ${HEADER.actor} is not valid JSON`,
      {
        header: HEADER.actor,
      },
      { cause },
    );
  }
};

/** Reads message metadata from header values; throws ValidationError listing every bad header. */
export const metaFromHeaderRecord = (record: Readonly<Record<string, string | undefined>>): MessageMeta => {
  // Some clients canonicalise header names (`Ll-Request-Id`), so lookups ignore case.
  const byLowerName = new Map<string, string>();
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined) byLowerName.set(name.toLowerCase(), value);
  }
  const get = (name: HeaderName): string | undefined => byLowerName.get(name.toLowerCase());
  const candidate = {
    requestId: get(HEADER.requestId),
    correlationId: get(HEADER.correlationId),
    causationId: get(HEADER.causationId),
    actor: parseActorHeader(get(HEADER.actor)),
    traceparent: get(HEADER.traceparent),
    tracestate: get(HEADER.tracestate),
    idempotencyKey: get(HEADER.idempotencyKey),
  };
  const parsed = messageMetaSchema.safeParse(candidate);
  if (!parsed.success) throw validationErrorFromZod(parsed.error, 'message headers');
  return stripUndefined(parsed.data);
};

/** Metadata for a message caused by another: same correlation, actor and trace; causation = that message. */
export const metaCausedBy = (
  parent: MessageMeta,
  cause: { messageId: string; requestId?: string; idempotencyKey?: string },
): MessageMeta =>
  stripUndefined({
    requestId: cause.requestId ?? parent.requestId,
    correlationId: parent.correlationId,
    causationId: cause.messageId,
    actor: parent.actor,
    traceparent: parent.traceparent,
    tracestate: parent.tracestate,
    idempotencyKey: cause.idempotencyKey,
  });

// Optional keys are omitted rather than set to undefined, so results compare and serialise cleanly.
const stripUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
