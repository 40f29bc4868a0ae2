import { baseConfigSchema, ConfigError, type DeepReadonly, envInt, loadConfig } from '@ledgerline/platform';
import { z } from 'zod';

// The same development key as identity's (services/identity/src/config.ts): in dev and tests the
// notifier must open what identity sealed. Production refuses to start without a real one.
const DEV_MESSAGE_SEAL_KEY = '5c6542464226f7d506ac7e77267fd95ed6a0fc185d2e390d4a0b029c4fc61f32';

/** A 32-byte key given as 64 hex characters or as base64 (what `unseal` takes). */
const key32 = () =>
  z
    .string()
    .trim()
    .refine(
      (value) =>
        /^[0-9a-f]{64}$/i.test(value) ||
        (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32),
      'expected 32 bytes as 64 hex characters or base64',
    );

/** The notifier's environment: the platform's base variables plus its own. */
export const notifierConfigSchema = baseConfigSchema.extend({
  /** Name the schemas are derived from (`<name>_es`, `<name>_rm`); tests pass a unique one. */
  NOTIFIER_SCHEMA_SERVICE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, - and _')
    .default('notifier'),
  /** nodemailer transport URL, e.g. smtps://user:pass@smtp.example.com:465. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().trim().min(3).default('Ledgerline <no-reply@ledgerline.local>'),
  /** Base of the links in e-mails (must match identity's PUBLIC_URL). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Opens the tokens and codes identity sealed into its public events. */
  MESSAGE_SEAL_KEY: key32().optional(),
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
