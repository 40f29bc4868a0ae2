import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { decryptAtRest, encryptAtRest } from './keyEncryption.js';

/** A freshly generated Ed25519 key, ready to be recorded: public half in clear, private half sealed. */
export interface NewSigningKey {
  kid: string;
  /** The JWK `x` (base64url public key, RFC 8037). */
  x: string;
  encryptedPrivateKey: string;
}

const contextOf = (kid: string) => `signing-key:${kid}`;

/**
 * Generates an Ed25519 key pair. The kid is the RFC 7638 thumbprint of the public JWK, so it is
 * stable, unique per key and derivable by anyone who holds the public key.
 */
export async function generateSigningKey(kek: string): Promise<NewSigningKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const x = jwk.x;
  if (!x) throw new Error('Ed25519 public key without x');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  return { kid, x, encryptedPrivateKey: encryptAtRest(kek, der, contextOf(kid)) };
}

/** Decrypts a stored private key into a KeyObject jose can sign with. */
export function openPrivateKey(kek: string, kid: string, encryptedPrivateKey: string): KeyObject {
  const der = Buffer.from(decryptAtRest(kek, encryptedPrivateKey, contextOf(kid)), 'base64');
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
