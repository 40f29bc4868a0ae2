import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../config.js';
import { isAdmin, type Principal } from '../http/requestState.js';
import type { RateClass } from '../http/route.js';
import type { LimitKey } from './rateLimiter.js';

type LimitConfig = Pick<
  GatewayConfig,
  | 'REDIS_KEY_PREFIX'
  | 'RATE_LIMIT_ANONYMOUS'
  | 'RATE_LIMIT_FREE'
  | 'RATE_LIMIT_PRO'
  | 'RATE_LIMIT_ENTERPRISE'
  | 'RATE_LIMIT_ADMIN'
  | 'RATE_LIMIT_LOGIN'
  | 'RATE_LIMIT_FORGOT'
  | 'RATE_LIMIT_RESEND'
  | 'RATE_LIMIT_CODE_REQUEST'
  | 'RATE_LIMIT_AUTH_PER_IP'
>;

/** Who is asking, as far as limits care. */
export interface Caller {
  readonly principal: Principal | undefined;
  readonly ip: string;
  /** The e-mail in the body of a strict-class request (login, forgot, resend, code request). */
  readonly email: string | undefined;
}

/** The per-window allowance of a signed-in caller: admins by role, everyone else by token tier. */
export function tierLimit(principal: Principal, config: LimitConfig): number {
  if (isAdmin(principal)) return config.RATE_LIMIT_ADMIN;
  switch (principal.tier) {
    case 'pro':
      return config.RATE_LIMIT_PRO;
    case 'enterprise':
      return config.RATE_LIMIT_ENTERPRISE;
    default:
      return config.RATE_LIMIT_FREE;
  }
}

const STRICT: Record<Exclude<RateClass, 'api' | 'none'>, keyof LimitConfig> = {
  login: 'RATE_LIMIT_LOGIN',
  forgot: 'RATE_LIMIT_FORGOT',
  resend: 'RATE_LIMIT_RESEND',
  codeRequest: 'RATE_LIMIT_CODE_REQUEST',
};

/**
 * The limits one request counts against, tightest purpose first. `api`: per user (by tier) or per IP
 * when anonymous. Strict classes: per IP + e-mail, plus a per-IP ceiling across e-mails.
 */
export function limitsFor(rateClass: RateClass, caller: Caller, config: LimitConfig): LimitKey[] {
  const prefix = `${config.REDIS_KEY_PREFIX}rl:`;
  if (rateClass === 'none') return [];
  if (rateClass === 'api') {
    return caller.principal
      ? [{ key: `${prefix}api:u:${caller.principal.userId}`, limit: tierLimit(caller.principal, config) }]
      : [{ key: `${prefix}api:ip:${caller.ip}`, limit: config.RATE_LIMIT_ANONYMOUS }];
  }
  const email = emailKey(caller.email);
  return [
    { key: `${prefix}${rateClass}:${caller.ip}:${email}`, limit: config[STRICT[rateClass]] as number },
    { key: `${prefix}${rateClass}:${caller.ip}`, limit: config.RATE_LIMIT_AUTH_PER_IP },
  ];
}

// Keys hold a hash, not the address: Redis keys show up in monitoring tools.
function emailKey(email: string | undefined): string {
  const normalised = (email ?? '').trim().toLowerCase();
  return createHash('sha256').update(normalised).digest('base64url').slice(0, 22);
}
