import { Secret, TOTP } from 'otpauth';
import { toString as qrCodeString } from 'qrcode';

// RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30-second steps.
const PERIOD = 30;
const DIGITS = 6;
// One step either side absorbs clock drift between the phone and the server (RFC 6238 §5.2).
const WINDOW = 1;

/** A new random TOTP secret (160 bits, RFC 4226's recommended length), base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

const totpOf = (secret: string, label = 'account', issuer = 'Ledgerline') =>
  new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });

/** The otpauth:// URI an authenticator app scans, and the same as an SVG QR code. */
export async function enrolmentUri(secret: string, label: string, issuer: string) {
  const otpauthUri = totpOf(secret, label, issuer).toString();
  const qrSvg = await qrCodeString(otpauthUri, { type: 'svg' });
  return { otpauthUri, qrSvg };
}

/**
 * The time step a code belongs to (within the drift window), or null when it matches none. The
 * step, not a yes/no, so the aggregate can refuse a code whose step was already used (replay).
 */
export function matchTotpStep(secret: string, code: string, now: Date): number | null {
  const timestamp = now.getTime();
  const delta = totpOf(secret).validate({ token: code, timestamp, window: WINDOW });
  return delta === null ? null : TOTP.counter({ period: PERIOD, timestamp }) + delta;
}

/** The code for a time (tests and tools; the user's app computes the same). */
export const totpCode = (secret: string, at: Date): string =>
  totpOf(secret).generate({ timestamp: at.getTime() });
