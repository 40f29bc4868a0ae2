import { randomInt } from 'node:crypto';
import { hashToken } from '../shared/tokens.js';

// No 0/o, 1/l/i: codes are read off paper and typed by hand. 12 characters of a 31-letter
// alphabet is about 59 bits: unguessable, so sha256 (not a password hash) is enough to store them.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 12;
export const RECOVERY_CODE_COUNT = 10;

const newCode = (): string => {
  let raw = '';
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
};

/** The canonical form: lower case without separators, so `ABCD EFGH…` and `abcd-efgh-…` match. */
export const normaliseRecoveryCode = (code: string): string =>
  code.toLowerCase().replaceAll(/[^a-z0-9]/g, '');

/** The stored form of a recovery code. */
export const hashRecoveryCode = (code: string): string => hashToken(normaliseRecoveryCode(code));

/** Ten fresh single-use codes, shown to the user once, with the hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  return { codes, hashes: codes.map(hashRecoveryCode) };
}
