import { IllegalStateError, UnauthorizedError, ValidationError } from '@ledgerline/contracts';
import { deciderSpec } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { mfaDecider } from './decide.js';
import type { MfaEvent } from './mfa.js';
import { hashRecoveryCode, newRecoveryCodes } from './recoveryCodes.js';
import { matchTotpStep, newTotpSecret, totpCode } from './totp.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const T = now.toISOString();
const userId = '01900000-0000-7000-8000-000000000001';
const recipient = { userId, email: 'ada@example.com', displayName: 'Ada', locale: 'en' };
const given = deciderSpec(mfaDecider, () => ({ now, recipient }));

const started: MfaEvent = {
  type: 'TotpEnrolmentStarted',
  data: { userId, encryptedSecret: 'sealed', startedAt: T },
};
const confirmed = (step: number): MfaEvent[] => [
  {
    type: 'TotpEnrolmentConfirmed',
    data: { userId, recoveryCodeHashes: ['r1', 'r2'], step, confirmedAt: T },
  },
  { type: 'MfaEnabled', data: { ...recipient, enabledAt: T } },
];
const enabled = [started, ...confirmed(100)];
const used = (step: number): MfaEvent => ({ type: 'TotpCodeUsed', data: { userId, step, usedAt: T } });

describe('TOTP enrolment', () => {
  it('starts with a sealed secret', () => {
    given([])
      .when({ type: 'StartTotpEnrolment', data: { encryptedSecret: 'sealed' } })
      .then([started]);
  });

  it('cannot start again while enabled', () => {
    given(enabled)
      .when({ type: 'StartTotpEnrolment', data: { encryptedSecret: 'x' } })
      .thenThrows(IllegalStateError);
  });

  it('a valid code confirms it: MFA is enabled (public event), recovery codes kept hashed', () => {
    given([started])
      .when({ type: 'ConfirmTotpEnrolment', data: { matchedStep: 100, recoveryCodeHashes: ['r1', 'r2'] } })
      .then(confirmed(100));
  });

  it('a wrong code does not confirm', () => {
    given([started])
      .when({ type: 'ConfirmTotpEnrolment', data: { matchedStep: null, recoveryCodeHashes: [] } })
      .thenThrows(ValidationError);
  });

  it('nothing to confirm without a started enrolment', () => {
    given([])
      .when({ type: 'ConfirmTotpEnrolment', data: { matchedStep: 1, recoveryCodeHashes: [] } })
      .thenThrows(IllegalStateError);
  });
});

describe('second factor at sign-in', () => {
  it('a fresh TOTP code is accepted and its step remembered', () => {
    given(enabled)
      .when({ type: 'UseTotpCode', data: { matchedStep: 101 } })
      .then([used(101)]);
  });

  it('a code of a step already used is a replay and refused (also the enrolment code)', () => {
    given([...enabled, used(101)])
      .when({ type: 'UseTotpCode', data: { matchedStep: 101 } })
      .thenThrows(UnauthorizedError);
    given([...enabled, used(101)])
      .when({ type: 'UseTotpCode', data: { matchedStep: 100 } })
      .thenThrows(UnauthorizedError);
    given(enabled)
      .when({ type: 'UseTotpCode', data: { matchedStep: 100 } })
      .thenThrows(UnauthorizedError);
  });

  it('a wrong code is refused', () => {
    given(enabled)
      .when({ type: 'UseTotpCode', data: { matchedStep: null } })
      .thenThrows(UnauthorizedError);
  });

  it('without MFA there is no second factor to use', () => {
    given([started])
      .when({ type: 'UseTotpCode', data: { matchedStep: 5 } })
      .thenThrows(UnauthorizedError);
  });

  it('a recovery code works once', () => {
    const spent: MfaEvent = { type: 'RecoveryCodeUsed', data: { userId, codeHash: 'r1', usedAt: T } };
    given(enabled)
      .when({ type: 'UseRecoveryCode', data: { codeHash: 'r1' } })
      .then([spent]);
    given([...enabled, spent])
      .when({ type: 'UseRecoveryCode', data: { codeHash: 'r1' } })
      .thenThrows(UnauthorizedError);
    given([...enabled, spent])
      .when({ type: 'UseRecoveryCode', data: { codeHash: 'r2' } })
      .then([{ type: 'RecoveryCodeUsed', data: { userId, codeHash: 'r2', usedAt: T } }]);
  });

  it('an unknown recovery code is refused', () => {
    given(enabled)
      .when({ type: 'UseRecoveryCode', data: { codeHash: 'nope' } })
      .thenThrows(UnauthorizedError);
  });
});

describe('disabling TOTP', () => {
  it('needs a fresh code', () => {
    given(enabled)
      .when({ type: 'DisableTotp', data: { matchedStep: 102 } })
      .then([{ type: 'MfaDisabled', data: { ...recipient, disabledAt: T } }]);
    given([...enabled, used(102)])
      .when({ type: 'DisableTotp', data: { matchedStep: 102 } })
      .thenThrows(ValidationError);
    given(enabled)
      .when({ type: 'DisableTotp', data: { matchedStep: null } })
      .thenThrows(ValidationError);
  });

  it('is refused when TOTP is not on', () => {
    given([])
      .when({ type: 'DisableTotp', data: { matchedStep: 1 } })
      .thenThrows(IllegalStateError);
  });

  it('after disabling, enrolment can start again', () => {
    const disabled: MfaEvent = { type: 'MfaDisabled', data: { ...recipient, disabledAt: T } };
    given([...enabled, disabled])
      .when({ type: 'StartTotpEnrolment', data: { encryptedSecret: 's2' } })
      .then([{ type: 'TotpEnrolmentStarted', data: { userId, encryptedSecret: 's2', startedAt: T } }]);
  });
});

describe('TOTP codes (RFC 6238)', () => {
  it('match the step they were made for, within one step of drift', () => {
    const secret = newTotpSecret();
    const step = Math.floor(now.getTime() / 30_000);
    expect(matchTotpStep(secret, totpCode(secret, now), now)).toBe(step);
    const previous = new Date(now.getTime() - 30_000);
    expect(matchTotpStep(secret, totpCode(secret, previous), now)).toBe(step - 1);
    const old = new Date(now.getTime() - 120_000);
    expect(matchTotpStep(secret, totpCode(secret, old), now)).toBeNull();
  });

  it('RFC 6238 test vector (SHA-1, T=59 s)', () => {
    // Secret "12345678901234567890" in base32; RFC 6238 Appendix B gives 94287082 (8 digits) → 287082.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, new Date(59_000))).toBe('287082');
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes, hashed after normalising case and separators', () => {
    const { codes, hashes } = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    expect(codes[0]).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(hashRecoveryCode(codes[0]!.toUpperCase().replaceAll('-', ' '))).toBe(hashes[0]);
  });
});
