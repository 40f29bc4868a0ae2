import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from './errors.js';

// A sealed value: base64url(iv(12) || tag(16) || ciphertext), AES-256-GCM. The wire format of
// secrets that must cross the event log (tokens a notifier e-mails) without being readable there.
const IV = 12;
const TAG = 16;

const keyOf = (key: string): Buffer => {
  const bytes = Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64');
  if (bytes.length !== 32)
    throw new ValidationError('a seal key is 32 bytes, as 64 hex characters or base64');
  return bytes;
};

/** Seals a secret under a 32-byte key (hex or base64); `context` binds it to its use (e.g. the event type). */
export function seal(key: string, plaintext: string, context = ''): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', keyOf(key), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a sealed value; a wrong key, context or a tampered value throws ValidationError. */
export function unseal(key: string, sealed: string, context = ''): string {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < IV + TAG) throw new ValidationError('sealed value is too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(key), bytes.subarray(0, IV));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(IV, IV + TAG));
    return Buffer.concat([decipher.update(bytes.subarray(IV + TAG)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new ValidationError('sealed value cannot be opened with this key', undefined, { cause: error });
  }
}
