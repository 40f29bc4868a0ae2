import { z } from 'zod';
import { messageMetaSchema } from './headers.js';

// Events outlive the request that caused them: a migration, an upcaster or a replay may write events
// with no request in flight, so every metadata field is optional on the envelope (it is required on
// live messages). Unknown metadata keys are kept, so a relay never strips what a newer producer added.
/** Metadata stored with an event. */
export const eventMetaSchema = messageMetaSchema.partial().loose();
export type EventMeta = z.infer<typeof eventMetaSchema>;

/** PascalCase event type, the routing key of an event (never a class name). */
export const eventTypeSchema = z.string().regex(/^[A-Z][a-zA-Z0-9]*$/, 'must be a PascalCase event type');

/** The envelope of a stored or published event, with `data` still unparsed. */
export const eventEnvelopeSchema = z.object({
  /** UUIDv7, also the JetStream `Nats-Msg-Id`. */
  id: z.uuid(),
  type: eventTypeSchema,
  schemaVersion: z.int().min(1),
  streamId: z.string().min(1),
  /** 1 for the first event of a stream. */
  streamPosition: z.int().min(1),
  globalPosition: z.int().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.unknown(),
  meta: eventMetaSchema,
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** The envelope schema with `data` parsed by `dataSchema`. */
export const eventEnvelopeOf = <Data extends z.ZodType>(dataSchema: Data) =>
  eventEnvelopeSchema.extend({ data: dataSchema });

/** An envelope whose `data` is the output of `Data`. */
export type EventEnvelopeOf<Data extends z.ZodType> = z.infer<ReturnType<typeof eventEnvelopeOf<Data>>>;
