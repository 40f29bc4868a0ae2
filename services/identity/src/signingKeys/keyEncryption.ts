import { createHmac, hkdfSync } from 'node:crypto';
import { seal, unseal } from '@ledgerline/contracts';

// Secrets identity keeps at rest (signing keys' private halves, TOTP secrets) are AES-256-GCM
// sealed under KEY_ENCRYPTION_KEY with a context (AAD) naming what they are and whose they are,
// so a ciphertext copied into another row or stream does not open there.

/** Encrypts a secret at rest under the key-encryption key; `context` binds it to its place. */
export const encryptAtRest = (kek: string, plaintext: string, context: string): string =>
  seal(kek, plaintext, context);

/** Opens what {@link encryptAtRest} sealed; a wrong key or context throws ValidationError. */
export const decryptAtRest = (kek: string, sealed: string, context: string): string =>
  unseal(kek, sealed, context);

const rawKey = (key: string): Buffer => Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64');

/**
 * A 32-byte subkey for one purpose (HKDF-SHA256), hex: one configured secret, independent keys
 * for sealing MFA challenges and keyed code hashes, so no key serves two algorithms.
 */
export const deriveKey = (kek: string, purpose: string): string =>
  Buffer.from(hkdfSync('sha256', rawKey(kek), Buffer.alloc(0), `ledgerline:${purpose}`, 32)).toString('hex');

/**
 * Keyed hash (HMAC-SHA256, hex) for low-entropy secrets such as 6-digit codes: a plain sha256 of
 * a million possible values is reversed instantly, a keyed one needs the key too.
 */
export const keyedHash = (hexKey: string, value: string): string =>
  createHmac('sha256', Buffer.from(hexKey, 'hex')).update(value).digest('hex');
