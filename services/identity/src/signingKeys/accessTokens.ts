import type { KeyObject } from 'node:crypto';
import type { Role, Tier } from '@ledgerline/contracts';
import { SignJWT } from 'jose';

/** What an access token says about its bearer (the gateway reads exactly these claims). */
export interface AccessClaims {
  userId: string;
  role: Role;
  tier: Tier;
  sessionId: string;
  /** True when the session was opened with a second factor. */
  mfa: boolean;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** Signs an EdDSA access JWT (header `kid`; claims sub, roles, tier, sid, mfa, iat, exp, iss, aud). */
export async function signAccessToken(
  key: SigningKey,
  claims: AccessClaims,
  settings: TokenSettings,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + settings.ttlSeconds;
  const token = await new SignJWT({
    // A list, though an account has one role today: room for more without a new claim.
    roles: [claims.role],
    tier: claims.tier,
    sid: claims.sessionId,
    mfa: claims.mfa,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}
