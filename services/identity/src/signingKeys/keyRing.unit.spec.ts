import { deciderSpec } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { activeKey, type KeyRingEvent, keyRingDecider, verifyingKeys } from './keyRing.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const given = deciderSpec(keyRingDecider, () => ({ now }));
const key = (kid: string) => ({ kid, x: `x-${kid}`, encryptedPrivateKey: `sealed-${kid}` });
const activated = (kid: string, previousKid: string | null, activatedAt: string): KeyRingEvent => ({
  type: 'SigningKeyActivated',
  data: { ...key(kid), previousKid, activatedAt },
});
const T0 = '2026-11-23T09:00:00.000Z';
const fold = (events: KeyRingEvent[]) => events.reduce(keyRingDecider.evolve, keyRingDecider.initialState());

describe('key ring', () => {
  it('bootstraps the first key', () => {
    given([])
      .when({ type: 'BootstrapSigningKey', data: { key: key('k1') } })
      .then([activated('k1', null, now.toISOString())]);
  });

  it('bootstrap is a no-op once a key exists (concurrent starts)', () => {
    given([activated('k1', null, T0)])
      .when({ type: 'BootstrapSigningKey', data: { key: key('k2') } })
      .then([]);
  });

  it('rotation activates the new key and names the previous one', () => {
    given([activated('k1', null, T0)])
      .when({ type: 'RotateSigningKey', data: { key: key('k2') } })
      .then([activated('k2', 'k1', now.toISOString())]);
  });

  it('after rotation the new key signs and the old one is retired at the rotation time', () => {
    const ring = fold([activated('k1', null, T0), activated('k2', 'k1', now.toISOString())]);
    expect(activeKey(ring)?.kid).toBe('k2');
    expect(ring.keys.find((k) => k.kid === 'k1')?.retiredAt).toBe(now.toISOString());
  });

  it('publishes a retired key until the overlap after its rotation, then drops it', () => {
    const ring = fold([activated('k1', null, T0), activated('k2', 'k1', now.toISOString())]);
    const kids = (at: number) => verifyingKeys(ring, new Date(now.getTime() + at), 900).map((k) => k.kid);
    expect(kids(0)).toEqual(['k1', 'k2']);
    expect(kids(899_999)).toEqual(['k1', 'k2']);
    expect(kids(900_000)).toEqual(['k2']);
  });

  it('keeps only the keys of the last overlap after several rotations', () => {
    const t1 = '2026-11-23T09:30:00.000Z';
    const ring = fold([
      activated('k1', null, T0),
      activated('k2', 'k1', t1),
      activated('k3', 'k2', now.toISOString()),
    ]);
    expect(verifyingKeys(ring, now, 900).map((k) => k.kid)).toEqual(['k2', 'k3']);
  });
});
