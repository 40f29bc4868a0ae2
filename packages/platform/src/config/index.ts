// A light entry point for config modules and their unit tests: zod and these files only, never
// the service graph (`@ledgerline/platform` itself loads NestJS, NATS and the kernel).

export { envSecret32, runtimeConfigSchema } from '../runtime/runtimeConfig.js';
export { loadServiceConfig } from '../runtime/serviceConfig.js';
export type { RuntimeConfig, ServiceConfig } from '../runtime/types.js';
export { ConfigError, type ConfigProblem } from './configError.js';
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
} from './loadConfig.js';
