import type { KeyObject } from 'node:crypto';
import { InternalError } from '@ledgerline/contracts';
import { type EventStore, fold, handleCommand } from '@ledgerline/eventsourcing';
import { type AccessClaims, signAccessToken, type TokenSettings } from './accessTokens.js';
import { generateSigningKey, openPrivateKey } from './keyMaterial.js';
import {
  activeKey,
  KEY_RING_STREAM,
  type KeyRing,
  type KeyRingEvent,
  keyRingDecider,
  verifyingKeys,
} from './keyRing.js';

export interface SigningKeysOptions {
  store: EventStore;
  keyEncryptionKey: string;
  tokens: TokenSettings;
  /** How long a loaded ring is trusted before it is read again (other instances may rotate). */
  cacheSeconds?: number;
}

/** A public key as the JWKS serves it (RFC 8037). */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/**
 * Identity's signing keys: bootstrap, rotation, the JWKS and access-token signing. The ring is a
 * few events in one stream, read again every `cacheSeconds`; decrypted private keys are cached by kid.
 */
export class SigningKeys {
  private ring: { state: KeyRing; loadedAt: number } | undefined;
  private readonly privateKeys = new Map<string, KeyObject>();
  private readonly cacheMs: number;

  constructor(private readonly options: SigningKeysOptions) {
    this.cacheMs = (options.cacheSeconds ?? 5) * 1000;
  }

  /** Seconds a retired key stays published: the token lifetime plus the ring cache's staleness. */
  get overlapSeconds(): number {
    return this.options.tokens.ttlSeconds + this.cacheMs / 1000;
  }

  /** Creates the first key when none exists; safe when several instances start at once. */
  async bootstrap(now = new Date()): Promise<void> {
    const key = await generateSigningKey(this.options.keyEncryptionKey);
    const result = await handleCommand({
      store: this.options.store,
      decider: keyRingDecider,
      streamId: KEY_RING_STREAM,
      command: { type: 'BootstrapSigningKey', data: { key } },
      context: () => ({ now }),
      retries: 3,
    });
    this.ring = { state: result.state, loadedAt: Date.now() };
  }

  /** Starts signing with a new key; the previous one keeps verifying for the overlap. */
  async rotate(now = new Date()): Promise<{ kid: string }> {
    const key = await generateSigningKey(this.options.keyEncryptionKey);
    const result = await handleCommand({
      store: this.options.store,
      decider: keyRingDecider,
      streamId: KEY_RING_STREAM,
      command: { type: 'RotateSigningKey', data: { key } },
      context: () => ({ now }),
      retries: 3,
    });
    this.ring = { state: result.state, loadedAt: Date.now() };
    return { kid: key.kid };
  }

  /**
   * Every key that can verify a token that has not expired yet. A fresh service creates its first
   * key here or at the first sign-in, whichever comes first, so the JWKS never comes out empty.
   */
  async jwks(now = new Date()): Promise<{ keys: PublicJwk[] }> {
    let ring = await this.load();
    if (!activeKey(ring)) {
      await this.bootstrap(now);
      ring = await this.load();
    }
    const keys = verifyingKeys(ring, now, this.overlapSeconds).map(
      ({ kid, x }): PublicJwk => ({ kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }),
    );
    return { keys };
  }

  /** Signs an access token with the active key. */
  async issueAccessToken(
    claims: AccessClaims,
    now = new Date(),
  ): Promise<{ token: string; expiresAt: Date }> {
    const ring = await this.load();
    let key = activeKey(ring);
    if (!key) {
      // A start that raced the bootstrap, or a fresh store in a test: create the first key now.
      await this.bootstrap(now);
      key = activeKey(await this.load());
    }
    if (!key) throw new InternalError('no signing key');
    return signAccessToken(
      { kid: key.kid, privateKey: this.privateKeyOf(key) },
      claims,
      this.options.tokens,
      now,
    );
  }

  private privateKeyOf(key: { kid: string; encryptedPrivateKey: string }): KeyObject {
    let opened = this.privateKeys.get(key.kid);
    if (!opened) {
      opened = openPrivateKey(this.options.keyEncryptionKey, key.kid, key.encryptedPrivateKey);
      this.privateKeys.set(key.kid, opened);
    }
    return opened;
  }

  private async load(): Promise<KeyRing> {
    if (this.ring && Date.now() - this.ring.loadedAt < this.cacheMs) return this.ring.state;
    const events = await this.options.store.readStream(KEY_RING_STREAM);
    const state = fold(
      keyRingDecider,
      events.map((e) => ({ type: e.type, data: e.data }) as KeyRingEvent),
    );
    this.ring = { state, loadedAt: Date.now() };
    return state;
  }
}
