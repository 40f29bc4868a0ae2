// The public surface of @ledgerline/contracts; other packages import only from here.

export * from './billing/index.js';
export {
  API_GATEWAY,
  builtInContracts,
  createCatalogRegistry,
  healthQueries,
  NATS_SERVICES,
  type NatsService,
  registry,
} from './catalog.js';
export {
  type CommandContract,
  type Contract,
  defineCommand,
  defineEvent,
  defineQuery,
  type EventContract,
  type EventContractSpec,
  type EventDataOf,
  parseEventData,
  parseEventEnvelope,
  parseReply,
  parseRequest,
  type QueryContract,
  type ReplyDataOf,
  type RequestContract,
  type RequestContractSpec,
  type RequestOf,
} from './contract.js';
export {
  type EventEnvelope,
  type EventEnvelopeOf,
  type EventMeta,
  eventEnvelopeOf,
  eventEnvelopeSchema,
  eventMetaSchema,
  eventTypeSchema,
} from './envelope.js';
export {
  fromErrorShape,
  isErrorShape,
  toErrorShape,
  type ValidationIssue,
  validationErrorFromZod,
  zodIssues,
} from './errorMapping.js';
export {
  AppError,
  type ConcurrencyDetails,
  ConcurrencyError,
  ConflictError,
  concurrencyDetailsSchema,
  ErrorCode,
  type ErrorDetails,
  type ErrorShape,
  errorShapeSchema,
  ForbiddenError,
  IllegalStateError,
  InternalError,
  isAppError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from './errors.js';
export * from './files/index.js';
export {
  type Actor,
  actorSchema,
  HEADER,
  type HeaderName,
  headerRecordOf,
  type MessageMeta,
  messageMetaSchema,
  metaCausedBy,
  metaFromHeaderRecord,
  metaToHeaderRecord,
  traceparentSchema,
} from './headers.js';
export {
  type HealthCheck,
  type HealthQuery,
  type HealthReply,
  type HealthRequest,
  healthCheckSchema,
  healthQuery,
  healthReplySchema,
  healthRequestSchema,
} from './health.js';
export * from './identity/accounts.js';
export * from './identity/admin.js';
export * from './identity/catalog.js';
export * from './identity/common.js';
export * from './identity/events.js';
export * from './identity/mfa.js';
export {
  IDENTITY,
  type RegisterUserReply,
  type RegisterUserRequest,
  registerUserCommand,
  registerUserReplySchema,
  registerUserRequestSchema,
  type UserRegisteredV1,
  userRegisteredEvent,
  userRegisteredV1Schema,
} from './identity/registration.js';
export * from './identity/sessions.js';
export {
  buildJsonSchemaFiles,
  contractFileName,
  contractJsonSchema,
  type JsonSchemaFile,
  type JsonSchemaIndexEntry,
  jsonSchemaIndex,
} from './jsonSchema.js';
export { type Consumption, ContractRegistry } from './registry.js';
export {
  type FailedReply,
  fail,
  failedReplySchema,
  ok,
  type Reply,
  type ReplyOf,
  replyError,
  replySchema,
  type SuccessfulReply,
  unwrapReply,
} from './reply.js';
export { seal, unseal } from './sealed.js';
export {
  commandSubject,
  EVENTS_STREAM_SUBJECTS,
  EXTERNAL_STREAM_SUBJECTS,
  eventSubject,
  externalSubject,
  isMessageName,
  isServiceName,
  type ParsedSubject,
  parseSubject,
  querySubject,
  type SubjectKind,
  tryParseSubject,
} from './subjects.js';
export { isWellFormedText, USER_TEXT_MESSAGE, userTextSchema } from './text.js';
export { uuidv7 } from './uuidv7.js';
