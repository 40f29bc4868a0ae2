import type { Decider } from '@ledgerline/eventsourcing';
import type { NewSigningKey } from './keyMaterial.js';

/** The one stream that holds identity's signing keys. */
export const KEY_RING_STREAM = 'signingKeys';

/** A key started signing; the previously active one (if any) stops signing but still verifies. */
export type SigningKeyActivated = {
  type: 'SigningKeyActivated';
  data: NewSigningKey & { previousKid: string | null; activatedAt: string };
};
export type KeyRingEvent = SigningKeyActivated;

export interface RingKey {
  kid: string;
  x: string;
  encryptedPrivateKey: string;
  activatedAt: string;
  /** When a newer key took over signing; null for the active key. */
  retiredAt: string | null;
}

export interface KeyRing {
  keys: RingKey[];
}

export type KeyRingCommand =
  | { type: 'BootstrapSigningKey'; data: { key: NewSigningKey } }
  | { type: 'RotateSigningKey'; data: { key: NewSigningKey } };

export interface KeyRingContext {
  now: Date;
}

const evolve = (state: KeyRing, event: KeyRingEvent): KeyRing => {
  switch (event.type) {
    case 'SigningKeyActivated': {
      const { kid, x, encryptedPrivateKey, activatedAt } = event.data;
      const keys = state.keys.map((key) =>
        key.retiredAt === null ? { ...key, retiredAt: activatedAt } : key,
      );
      return { keys: [...keys, { kid, x, encryptedPrivateKey, activatedAt, retiredAt: null }] };
    }
  }
};

const activate = (state: KeyRing, key: NewSigningKey, now: Date): KeyRingEvent[] => [
  {
    type: 'SigningKeyActivated',
    data: { ...key, previousKid: activeKey(state)?.kid ?? null, activatedAt: now.toISOString() },
  },
];

const decide = (command: KeyRingCommand, state: KeyRing, { now }: KeyRingContext): KeyRingEvent[] => {
  switch (command.type) {
    // Idempotent: concurrent starts all try; the append with no_stream lets one win.
    case 'BootstrapSigningKey':
      return state.keys.length > 0 ? [] : activate(state, command.data.key, now);
    case 'RotateSigningKey':
      return activate(state, command.data.key, now);
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

/** The key ring aggregate: one active signing key, older ones kept for verification. */
export const keyRingDecider: Decider<KeyRingCommand, KeyRingEvent, KeyRing, KeyRingContext> = {
  decide,
  evolve,
  initialState: () => ({ keys: [] }),
};

/** The key that signs new tokens, or undefined before bootstrap. */
export const activeKey = (state: KeyRing): RingKey | undefined =>
  state.keys.find((k) => k.retiredAt === null);

/**
 * Keys that can still verify a live token: the active one, plus every retired key until
 * `overlapSeconds` after it stopped signing (the access-token lifetime, plus a small grace for
 * instances whose cached ring has not yet seen the rotation).
 */
export const verifyingKeys = (state: KeyRing, now: Date, overlapSeconds: number): RingKey[] =>
  state.keys.filter(
    (key) => key.retiredAt === null || Date.parse(key.retiredAt) + overlapSeconds * 1000 > now.getTime(),
  );
