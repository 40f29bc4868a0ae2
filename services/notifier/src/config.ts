import {
  DEV_MESSAGE_SEAL_KEY,
  envInt,
  envSecret32,
  loadServiceConfig,
  type ServiceConfig,
} from '@ledgerline/platform/config';
import { z } from 'zod';

/**
 * The notifier's own variables; the runtime adds the base ones (DATABASE_URL, NATS_URL, …,
 * SERVICE_SCHEMA, MIGRATE_ON_START) into one schema at start.
 */
export const notifierConfig = z.object({
  /** nodemailer transport URL, e.g. smtps://user:pass@smtp.example.com:465. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().trim().min(3).default('Ledgerline <no-reply@ledgerline.local>'),
  /** Where clients reach the gateway; the links in e-mails point here when APP_URL is unset. */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /**
   * Where the product's frontend lives (it serves /verify-email and /reset-password); the links in
   * e-mails point there. Unset: the gateway's own minimal pages at PUBLIC_URL answer those links.
   */
  APP_URL: z.url().optional(),
  /** Opens the tokens and codes identity sealed into its public events; required in production. */
  MESSAGE_SEAL_KEY: envSecret32(DEV_MESSAGE_SEAL_KEY),
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
  /** Bounds each step of one SMTP conversation (connect, greeting, every command). */
  SMTP_TIMEOUT_MS: envInt().positive().default(10_000),
  /** E-mails sent at once, each over its own pooled SMTP connection. */
  DELIVERY_CONCURRENCY: envInt().min(1).max(100).default(8),
});

/** The notifier's whole configuration (runtime variables included). */
export type NotifierConfig = ServiceConfig<typeof notifierConfig>;

/** Parses the notifier's environment once; throws a ConfigError listing every bad variable. */
export const loadNotifierConfig = (env: Record<string, string | undefined> = process.env): NotifierConfig =>
  loadServiceConfig({ name: 'notifier', config: notifierConfig }, env);
