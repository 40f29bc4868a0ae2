import {
  baseConfigSchema,
  ConfigError,
  DEV_MESSAGE_SEAL_KEY,
  type DeepReadonly,
  envInt,
  envKey32,
  envServiceName,
  loadConfig,
} from '@ledgerline/platform';
import { z } from 'zod';

/** The notifier's environment: the platform's base variables plus its own. */
export const notifierConfigSchema = baseConfigSchema.extend({
  /** Name the schemas are derived from (`<name>_es`, `<name>_rm`); tests pass a unique one. */
  NOTIFIER_SCHEMA_SERVICE: envServiceName('notifier'),
  /** nodemailer transport URL, e.g. smtps://user:pass@smtp.example.com:465. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().trim().min(3).default('Ledgerline <no-reply@ledgerline.local>'),
  /** Base of the links in e-mails (must match identity's PUBLIC_URL). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Opens the tokens and codes identity sealed into its public events. */
  MESSAGE_SEAL_KEY: envKey32().optional(),
  /** JetStream durable name, also the inbox's consumer name; tests pass a unique one. */
  CONSUMER_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ (a JetStream durable name)')
    .default('notifier'),
  /** Where a new durable starts: the whole EVENTS stream, or only events published from now on. */
  CONSUMER_DELIVER_POLICY: z.enum(['all', 'new']).default('all'),
  /** SMTP attempts per e-mail before it is dead-lettered. */
  DELIVERY_MAX_ATTEMPTS: envInt().min(1).max(50).default(5),
  /** Backoff ceiling after the first failed attempt; doubles per attempt up to the max. */
  DELIVERY_BACKOFF_BASE_MS: envInt().positive().default(1_000),
  DELIVERY_BACKOFF_MAX_MS: envInt()
    .positive()
    .default(5 * 60_000),
  /** Bounds one SMTP conversation, well below the consumer's 30 s ack wait. */
  SMTP_TIMEOUT_MS: envInt().positive().default(10_000),
});

type ParsedConfig = z.output<typeof notifierConfigSchema>;
/** The notifier's configuration: the seal key is always present (dev default outside production). */
export type NotifierConfig = DeepReadonly<
  Omit<ParsedConfig, 'MESSAGE_SEAL_KEY'> & { MESSAGE_SEAL_KEY: string }
>;

/** Parses the notifier's environment once; throws a ConfigError listing every bad variable. */
export function loadNotifierConfig(env: Record<string, string | undefined> = process.env): NotifierConfig {
  const parsed = loadConfig(notifierConfigSchema, env);
  if (parsed.NODE_ENV === 'production' && parsed.MESSAGE_SEAL_KEY === undefined) {
    throw new ConfigError([{ name: 'MESSAGE_SEAL_KEY', problem: 'required in production' }]);
  }
  return Object.freeze({ ...parsed, MESSAGE_SEAL_KEY: parsed.MESSAGE_SEAL_KEY ?? DEV_MESSAGE_SEAL_KEY });
}
