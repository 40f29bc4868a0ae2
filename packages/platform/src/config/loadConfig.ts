import { z } from 'zod';
import { ConfigError } from './configError.js';

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Env var booleans: only explicit words count, so "false" and "0" are false (z.coerce.boolean would say true). */
export const envBoolean = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: BOOLEAN_PROBLEM }))
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const BOOLEAN_PROBLEM = 'expected a boolean (true/false/1/0/yes/no/on/off)';

/** Env var integers; empty strings count as missing so defaults and optionals apply. */
export const envInt = () => z.coerce.number({ error: 'expected an integer' }).int('expected an integer');

/** A 32-byte key given as 64 hex characters or as base64 (what AES-256 and `seal`/`unseal` take). */
export const envKey32 = () =>
  z
    .string()
    .trim()
    .refine(
      (value) =>
        /^[0-9a-f]{64}$/i.test(value) ||
        (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32),
      'expected 32 bytes as 64 hex characters or base64',
    );

/** A schema-name override (`<name>_es`, `<name>_rm`); tests pass a unique one per file. */
export const envServiceName = (fallback: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
    .default(fallback);

/**
 * The development and test key that seals tokens in identity's public events. Fixed so a dev
 * restart still opens what was sealed before it, and shared so the notifier opens what identity
 * sealed; services refuse to start in production without a real MESSAGE_SEAL_KEY.
 */
export const DEV_MESSAGE_SEAL_KEY = '5c6542464226f7d506ac7e77267fd95ed6a0fc185d2e390d4a0b029c4fc61f32';

/** The variables every Ledgerline process reads; services `.extend()` it with their own. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/postgres'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  OTEL_ENABLED: envBoolean().default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  HEALTH_PORT: envInt().min(0).max(65535).optional(),
  SHUTDOWN_TIMEOUT_MS: envInt().positive().default(10_000),
  /** JetStream EVENTS/EXTERNAL streams: replicas (3 on a clustered NATS, 1 on a single server). */
  JETSTREAM_REPLICAS: envInt().min(1).max(5).default(1),
  /** Retention limits of those streams; 0 = unlimited. Consumers further behind than this lose messages. */
  JETSTREAM_MAX_AGE_SECONDS: envInt().min(0).default(0),
  JETSTREAM_MAX_BYTES: envInt().min(0).default(0),
});

export type BaseConfig = DeepReadonly<z.infer<typeof baseConfigSchema>>;

/** Parses the environment once with `schema`; throws a ConfigError listing every bad variable. */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): DeepReadonly<z.output<S>> {
  const result = schema.safeParse(withoutEmptyStrings(env));
  if (!result.success) throw ConfigError.fromZod(result.error);
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

// `FOO=` in a .env file means "not set": let defaults and `.optional()` apply instead of failing.
function withoutEmptyStrings(env: Record<string, string | undefined>): Record<string, string> {
  const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return Object.fromEntries(entries.filter(([, value]) => value.trim() !== ''));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
