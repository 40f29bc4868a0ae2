export { ConfigError, type ConfigProblem } from './config/configError.js';
export {
  type BaseConfig,
  baseConfigSchema,
  DEV_MESSAGE_SEAL_KEY,
  type DeepReadonly,
  envBoolean,
  envInt,
  envKey32,
  envServiceName,
  loadConfig,
} from './config/loadConfig.js';
export {
  childMeta,
  currentDeadline,
  currentMessageContext,
  newRootMeta,
  nextMeta,
  runWithMessageContext,
} from './context/messageContext.js';
export { uuidv7 } from './context/uuidv7.js';
export {
  type CreateLoggerOptions,
  correlationFields,
  createLogger,
  type Logger,
  type LogLevel,
} from './logging/createLogger.js';
export { PinoNestLogger } from './logging/nestLogger.js';
export { REDACTED, redactPaths, SECRET_KEYS } from './logging/redaction.js';
export { type ConnectNatsOptions, closeNats, connectNats, type NatsConnection } from './nats/connection.js';
export { metaFromNatsHeaders, metaToNatsHeaders, natsHeadersToRecord } from './nats/headers.js';
export { mapRequestError, type NatsRequestOptions, natsRequest } from './nats/request.js';
export { type EnsureStreamsOptions, ensureStreams, STREAMS } from './nats/streams.js';
export {
  type HandlerReply,
  handleMessage,
  type MessageHandlerFn,
  replyTo,
  setHandlerLogger,
} from './nest/handleMessage.js';
export { type HealthProbe, natsProbe, postgresProbe, runHealthChecks } from './nest/health.js';
export { type HealthServer, type HealthServerOptions, startHealthServer } from './nest/healthServer.js';
export { LedgerlineNatsServer, type LedgerlineNatsServerOptions } from './nest/natsServer.js';
export { ReplyExceptionFilter } from './nest/replyExceptionFilter.js';
export { defineFeature, defineService, isServiceDefinition, on, resource } from './runtime/define.js';
export { manifestOf } from './runtime/manifest.js';
export { envSecret32, runtimeConfigSchema } from './runtime/runtimeConfig.js';
export {
  loadServiceConfig,
  migratesOnStart,
  type ServiceConfigSpec,
  schemaOf,
} from './runtime/serviceConfig.js';
export { startService } from './runtime/startService.js';
export type * from './runtime/types.js';
export { type Closer, onShutdown, ShutdownRegistry, type ShutdownResult, shutdownAll } from './shutdown.js';
export {
  type HeaderCarrier,
  nameHttpServerSpan,
  startConsumerSpan,
  traceHeadersOf,
  withClientSpan,
  withConsumerSpan,
  withProducerSpan,
  withSpan,
  withTracingSuppressed,
} from './telemetry/spans.js';
export {
  type SpanExporter,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './telemetry/startTelemetry.js';
export {
  contextFromTraceHeaders,
  parseTraceparent,
  type TraceHeaders,
  traceHeadersFrom,
} from './telemetry/traceContext.js';
