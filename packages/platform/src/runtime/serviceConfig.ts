import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../config/configError.js';
import { loadConfig } from '../config/loadConfig.js';
import { productionRequiredKeys, runtimeConfigSchema } from './runtimeConfig.js';
import type { Empty, ServiceConfig } from './types.js';

/** The parts of a service definition its configuration is made of (light: no service graph). */
export interface ServiceConfigSpec<Own extends z.ZodObject> {
  readonly name: string;
  readonly config?: Own;
  readonly checkConfig?: (config: ServiceConfig<Own>) => readonly ConfigProblem[];
}

/**
 * Parses the runtime's variables and the service's own in ONE zod schema and throws a ConfigError
 * listing every bad variable, including secrets missing in production and `checkConfig`'s rules.
 * A service definition is a valid spec: `loadServiceConfig(definition, env)`.
 */
export function loadServiceConfig<Own extends z.ZodObject = z.ZodObject<Empty>>(
  spec: ServiceConfigSpec<Own>,
  env: Record<string, string | undefined> = process.env,
): ServiceConfig<Own> {
  const schema = spec.config ? runtimeConfigSchema.extend(spec.config.shape) : runtimeConfigSchema;
  const problems: ConfigProblem[] = [];
  let parsed: ServiceConfig<Own> | undefined;
  try {
    parsed = loadConfig(schema, env) as unknown as ServiceConfig<Own>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const production = (env.NODE_ENV ?? '').trim() === 'production';
  if (production) {
    for (const name of productionRequiredKeys(schema.shape)) {
      if ((env[name] ?? '').trim() === '') problems.push({ name, problem: 'required in production' });
    }
  }
  if (parsed && spec.checkConfig) problems.push(...spec.checkConfig(parsed));
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);
  return parsed;
}

/** The schema base name: SERVICE_SCHEMA, else the service name. */
export const schemaOf = (name: string, config: { SERVICE_SCHEMA?: string | undefined }): string =>
  config.SERVICE_SCHEMA ?? name;

/** Whether to migrate at start: MIGRATE_ON_START, else outside production only. */
export const migratesOnStart = (config: {
  NODE_ENV: string;
  MIGRATE_ON_START?: boolean | undefined;
}): boolean => config.MIGRATE_ON_START ?? config.NODE_ENV !== 'production';
