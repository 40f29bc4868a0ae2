import {
  baseConfigSchema,
  type DeepReadonly,
  envBoolean,
  envInt,
  loadConfig,
} from '@ledgerline/platform/config';
import { z } from 'zod';
import { DEFAULT_STRIPE_EVENT_TYPES } from './webhooks/stripeEventTypes.js';

const commaList = () =>
  z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

// `getMe=0,getJwks=300`: per-operation overrides merged over the defaults below.
const secondsByOperation = () =>
  z.string().transform((value, ctx) => {
    const entries: [string, number][] = [];
    for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
      const [name = '', seconds = ''] = pair.split('=').map((part) => part.trim());
      const n = Number(seconds);
      if (!/^[a-zA-Z]+$/.test(name) || !Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `expected operationId=seconds, got "${pair}"` });
        return z.NEVER;
      }
      entries.push([name, n]);
    }
    return Object.fromEntries(entries) as Record<string, number>;
  });

/** Cache-Control max-age per query operation; JWKS is public and changes only on key rotation. */
export const DEFAULT_CACHE_MAX_AGE: Readonly<Record<string, number>> = {
  getMe: 0,
  listMySessions: 0,
  listUsers: 0,
  getUser: 0,
  getJwks: 300,
};

const perMinute = (fallback: number) => envInt().min(1).default(fallback);

/** The gateway's environment: the platform's base variables plus HTTP, auth and limit settings. */
export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: envInt().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Path prefix the gateway serves under when a proxy forwards `/api/...` unchanged (e.g. `/api`). */
  ROOT_PATH: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'empty or like /api (no trailing slash)')
    .default(''),
  /**
   * Where the product's frontend lives; e-mailed links (verify e-mail, reset password) point there.
   * Unset: they point at the gateway, which then serves minimal pages at those paths.
   */
  APP_URL: z.url().optional(),
  /** Where clients reach the gateway (OpenAPI `servers`, default allowed origin). */
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  CORS_ORIGINS: commaList().pipe(z.array(z.url())).default([]),
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs); empty = the socket address is the client. */
  TRUSTED_PROXIES: commaList().default([]),
  BODY_LIMIT_BYTES: envInt()
    .min(1024)
    .default(1024 * 1024),

  RATE_LIMIT_ENABLED: envBoolean().default(true),
  RATE_LIMIT_WINDOW_SECONDS: envInt().min(1).default(60),
  /** Requests per window by caller: anonymous (per IP), then by token tier, admins by role. */
  RATE_LIMIT_ANONYMOUS: perMinute(60),
  RATE_LIMIT_FREE: perMinute(60),
  RATE_LIMIT_PRO: perMinute(600),
  RATE_LIMIT_ENTERPRISE: perMinute(1200),
  RATE_LIMIT_ADMIN: perMinute(1200),
  /** Strict classes, per IP + e-mail, whatever the tier: credential stuffing and mail bombing. */
  RATE_LIMIT_LOGIN: perMinute(10),
  RATE_LIMIT_FORGOT: perMinute(5),
  RATE_LIMIT_RESEND: perMinute(5),
  RATE_LIMIT_CODE_REQUEST: perMinute(5),
  /** Per IP across e-mails on the strict classes, so rotating e-mails does not lift the limit. */
  RATE_LIMIT_AUTH_PER_IP: perMinute(100),
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('gw:'),

  IDEMPOTENCY_TTL_SECONDS: envInt().min(60).default(86_400),
  CACHE_MAX_AGE: secondsByOperation().default({}),

  JWT_ISSUER: z.string().min(1).default('ledgerline-identity'),
  JWT_AUDIENCE: z.string().min(1).default('ledgerline'),
  /** Allowed clock difference when checking exp/nbf. */
  JWT_CLOCK_TOLERANCE_SECONDS: envInt().min(0).max(300).default(5),
  /** Minimum time between two JWKS fetches triggered by an unknown `kid` (forged kids cannot flood identity). */
  JWKS_REFRESH_MIN_INTERVAL_MS: envInt().min(0).default(10_000),
  JWKS_MAX_AGE_SECONDS: envInt().min(1).default(300),
  /** Operations (operationIds) that also require a verified e-mail, on top of their route's own setting. */
  REQUIRE_VERIFIED_EMAIL: commaList().default([]),

  NATS_REQUEST_TIMEOUT_MS: envInt().min(50).default(5_000),
  /** Services /readyz asks for `<service>.qry.Health`. */
  READY_SERVICES: commaList().default(['identity', 'notifier']),
  READY_TIMEOUT_MS: envInt().min(50).default(2_000),
  /** /docs and /openapi.json for everyone; off by default in production, where admins still see them. */
  DOCS_ENABLED: envBoolean().optional(),

  REFRESH_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('ll_refresh'),
  CSRF_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('ll_csrf'),
  /** Secure cookies need HTTPS; only tests over plain http turn this off. */
  COOKIE_SECURE: envBoolean().default(true),

  /** Webhooks-only mode (its own Deployment): POST /webhooks/stripe and the health probes, nothing else. */
  WEBHOOKS_ONLY: envBoolean().default(false),
  /** Stripe endpoint signing secrets, comma-separated; every one is tried (two during a rotation). */
  STRIPE_WEBHOOK_SECRETS: commaList().default([]),
  /** Oldest accepted signature timestamp, in seconds (replay protection; Stripe's default is 300). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: envInt().min(1).default(300),
  /** Event types published to JetStream EXTERNAL; others are acknowledged and dropped. */
  STRIPE_WEBHOOK_EVENT_TYPES: commaList().default([...DEFAULT_STRIPE_EVENT_TYPES]),
  WEBHOOK_BODY_LIMIT_BYTES: envInt()
    .min(1024)
    .default(256 * 1024),
});

type Parsed = z.output<typeof gatewayConfigSchema>;
/** The gateway's frozen configuration, with docs visibility and cache ages resolved. */
export type GatewayConfig = DeepReadonly<
  Omit<Parsed, 'DOCS_ENABLED' | 'CACHE_MAX_AGE'> & {
    DOCS_ENABLED: boolean;
    CACHE_MAX_AGE: Record<string, number>;
  }
>;

/** Parses the environment once; throws a ConfigError listing every bad variable. */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = loadConfig(gatewayConfigSchema, env);
  return Object.freeze({
    ...parsed,
    DOCS_ENABLED: parsed.DOCS_ENABLED ?? parsed.NODE_ENV !== 'production',
    CACHE_MAX_AGE: Object.freeze({ ...DEFAULT_CACHE_MAX_AGE, ...parsed.CACHE_MAX_AGE }),
  });
}

/** Origins allowed for CORS and the CSRF Origin check: the configured list plus PUBLIC_URL's origin. */
export function allowedOrigins(config: GatewayConfig): ReadonlySet<string> {
  return new Set([new URL(config.PUBLIC_URL).origin, ...config.CORS_ORIGINS.map((o) => new URL(o).origin)]);
}
