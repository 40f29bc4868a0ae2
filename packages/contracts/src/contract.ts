import type { z } from 'zod';
import { type EventEnvelopeOf, eventEnvelopeOf } from './envelope.js';
import { validationErrorFromZod } from './errorMapping.js';
import { ValidationError } from './errors.js';
import { type ReplyOf, replySchema } from './reply.js';
import { commandSubject, eventSubject, querySubject } from './subjects.js';

/** A request/reply contract: a command (`cmd`) or a query (`qry`) served by `service`. */
export interface RequestContract<
  Kind extends 'command' | 'query' = 'command' | 'query',
  Req extends z.ZodType = z.ZodType,
  Rep extends z.ZodType = z.ZodType,
> {
  readonly kind: Kind;
  /** The owning service: the only one that answers this subject. */
  readonly service: string;
  readonly name: string;
  readonly subject: string;
  readonly request: Req;
  /** Schema of `data` in a successful reply. */
  readonly reply: Rep;
  /** Schema of the whole wire reply, built once here rather than on every message. */
  readonly replyEnvelope: ReturnType<typeof replySchema<Rep>>;
  readonly description?: string;
}
export type CommandContract<
  Req extends z.ZodType = z.ZodType,
  Rep extends z.ZodType = z.ZodType,
> = RequestContract<'command', Req, Rep>;
export type QueryContract<
  Req extends z.ZodType = z.ZodType,
  Rep extends z.ZodType = z.ZodType,
> = RequestContract<'query', Req, Rep>;

/** An event type at one schema version. Non-public events never leave their service's event store. */
export interface EventContract<Data extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  /** The producing service. */
  readonly service: string;
  /** Same as `type`, so every contract has a `name`. */
  readonly name: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly subject: string;
  readonly data: Data;
  readonly envelope: ReturnType<typeof eventEnvelopeOf<Data>>;
  readonly public: boolean;
  readonly description?: string;
}

/** Any contract the registry holds. */
export type Contract = RequestContract | EventContract;

/** What `defineCommand` / `defineQuery` take. */
export interface RequestContractSpec<Req extends z.ZodType, Rep extends z.ZodType> {
  service: string;
  name: string;
  request: Req;
  reply: Rep;
  description?: string;
}

/** What `defineEvent` takes. */
export interface EventContractSpec<Data extends z.ZodType> {
  service: string;
  type: string;
  schemaVersion: number;
  data: Data;
  public: boolean;
  description?: string;
}

const withDescription = <T extends object>(value: T, description: string | undefined): T =>
  description === undefined ? value : { ...value, description };

/** Declares the command `<service>.cmd.<name>`; throws ValidationError for a bad name. */
export const defineCommand = <Req extends z.ZodType, Rep extends z.ZodType>(
  spec: RequestContractSpec<Req, Rep>,
): CommandContract<Req, Rep> => {
  const { service, name, request, reply, description } = spec;
  const base = {
    kind: 'command' as const,
    service,
    name,
    subject: commandSubject(service, name),
    request,
    reply,
  };
  return Object.freeze(withDescription({ ...base, replyEnvelope: replySchema(reply) }, description));
};

/** Declares the query `<service>.qry.<name>`; throws ValidationError for a bad name. */
export const defineQuery = <Req extends z.ZodType, Rep extends z.ZodType>(
  spec: RequestContractSpec<Req, Rep>,
): QueryContract<Req, Rep> => {
  const { service, name, request, reply, description } = spec;
  const base = {
    kind: 'query' as const,
    service,
    name,
    subject: querySubject(service, name),
    request,
    reply,
  };
  return Object.freeze(withDescription({ ...base, replyEnvelope: replySchema(reply) }, description));
};

/** Declares event `type` at `schemaVersion`, published on `evt.<service>.<type>` when `public`. */
export const defineEvent = <Data extends z.ZodType>(spec: EventContractSpec<Data>): EventContract<Data> => {
  const { service, type, schemaVersion, data, description } = spec;
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new ValidationError(
      `Invalid schemaVersion ${schemaVersion} for event ${type}: expected an integer ≥ 1`,
      {
        type,
        schemaVersion,
      },
    );
  }
  const subject = eventSubject(service, type);
  const contract = { kind: 'event' as const, service, name: type, type, schemaVersion, subject, data };
  const full = { ...contract, envelope: eventEnvelopeOf(data), public: spec.public };
  return Object.freeze(withDescription(full, description));
};

/** Request payload type of a command or query contract. */
export type RequestOf<C extends RequestContract> = z.output<C['request']>;
/** Successful reply data type of a command or query contract. */
export type ReplyDataOf<C extends RequestContract> = z.output<C['reply']>;
/** Data type of an event contract. */
export type EventDataOf<C extends EventContract> = z.output<C['data']>;

const parseWith = <S extends z.ZodType>(schema: S, payload: unknown, what: string): z.output<S> => {
  const result = schema.safeParse(payload);
  if (!result.success) throw validationErrorFromZod(result.error, what);
  return result.data;
};

/** Parses a command/query payload; throws ValidationError with the issues (the caller dead-letters or replies). */
export const parseRequest = <C extends RequestContract>(contract: C, payload: unknown): RequestOf<C> =>
  parseWith<C['request']>(contract.request, payload, `${contract.subject} request`);

/** Parses a whole wire reply (`ok` or failed) against the contract; throws ValidationError if malformed. */
export const parseReply = <C extends RequestContract>(contract: C, payload: unknown): ReplyOf<C['reply']> =>
  parseWith(contract.replyEnvelope, payload, `${contract.subject} reply`) as ReplyOf<C['reply']>;

/** Parses event data against one schema version; throws ValidationError with the issues. */
export const parseEventData = <C extends EventContract>(contract: C, payload: unknown): EventDataOf<C> =>
  parseWith<C['data']>(contract.data, payload, `${contract.type} v${contract.schemaVersion} data`);

/** Parses a whole envelope and checks that its type and schemaVersion are this contract's. */
export const parseEventEnvelope = <C extends EventContract>(
  contract: C,
  payload: unknown,
): EventEnvelopeOf<C['data']> => {
  const what = `${contract.type} v${contract.schemaVersion} envelope`;
  const envelope = parseWith(contract.envelope, payload, what) as EventEnvelopeOf<C['data']>;
  if (envelope.type !== contract.type || envelope.schemaVersion !== contract.schemaVersion) {
    throw new ValidationError(`Invalid ${what}: got ${envelope.type} v${envelope.schemaVersion}`, {
      what,
      type: envelope.type,
      schemaVersion: envelope.schemaVersion,
    });
  }
  return envelope;
};
