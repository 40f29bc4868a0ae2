import type { IdentityConfig } from '../config.js';
import { policy, type ThrottlePolicy } from './throttlePolicy.js';

/** Every throttle identity's sign-in paths apply, named by what they count. */
export interface AuthThrottles {
  /** Password sign-ins per account (normalised e-mail) and per client IP. */
  loginAccount: ThrottlePolicy;
  loginIp: ThrottlePolicy;
  /** Sign-in code e-mails requested per account and per IP: each costs an e-mail. */
  codeRequestAccount: ThrottlePolicy;
  codeRequestIp: ThrottlePolicy;
  /** Sign-in code guesses per account and per IP (the code has its own 5-attempt limit too). */
  codeVerifyAccount: ThrottlePolicy;
  codeVerifyIp: ThrottlePolicy;
  /** Second-factor guesses per user (a million TOTP codes must not be tried at speed). */
  mfaUser: ThrottlePolicy;
}

type ThrottleConfig = Pick<
  IdentityConfig,
  'LOGIN_MAX_FAILURES' | 'LOGIN_LOCK_SECONDS' | 'LOGIN_IP_MAX_FAILURES' | 'LOGIN_IP_LOCK_SECONDS'
>;

/** The policies from configuration: accounts lock after LOGIN_MAX_FAILURES, IPs after LOGIN_IP_MAX_FAILURES. */
export function authThrottles(config: ThrottleConfig): AuthThrottles {
  const account = (name: string) => policy(name, config.LOGIN_MAX_FAILURES, config.LOGIN_LOCK_SECONDS);
  const ip = (name: string) =>
    policy(name, config.LOGIN_IP_MAX_FAILURES, config.LOGIN_IP_LOCK_SECONDS, {
      freeAttempts: Math.max(1, Math.floor(config.LOGIN_IP_MAX_FAILURES / 2)),
    });
  return {
    loginAccount: account('login-account'),
    loginIp: ip('login-ip'),
    codeRequestAccount: account('code-request-account'),
    codeRequestIp: ip('code-request-ip'),
    codeVerifyAccount: account('code-verify-account'),
    codeVerifyIp: ip('code-verify-ip'),
    mfaUser: account('mfa-user'),
  };
}
