import type { mfaDisabledEvent, mfaEnabledEvent } from '@ledgerline/contracts';
import type { z } from 'zod';

/** One user's second factor: `mfa-<userId>`. */
export const mfaStream = (userId: string): string => `mfa-${userId}`;

/** Internal: a TOTP secret was generated (sealed at rest); not active until confirmed. */
export type TotpEnrolmentStarted = {
  type: 'TotpEnrolmentStarted';
  data: { userId: string; encryptedSecret: string; startedAt: string };
};
/** Internal: the user proved their app has the secret; the recovery codes' hashes are kept here. */
export type TotpEnrolmentConfirmed = {
  type: 'TotpEnrolmentConfirmed';
  data: { userId: string; recoveryCodeHashes: string[]; step: number; confirmedAt: string };
};
/** Internal: a TOTP code of this time step was accepted; no code of this step or earlier is again. */
export type TotpCodeUsed = { type: 'TotpCodeUsed'; data: { userId: string; step: number; usedAt: string } };
/** Internal: one recovery code was spent. */
export type RecoveryCodeUsed = {
  type: 'RecoveryCodeUsed';
  data: { userId: string; codeHash: string; usedAt: string };
};
/** Public (security notice): TOTP is now required at sign-in. */
export type MfaEnabled = { type: 'MfaEnabled'; data: z.infer<typeof mfaEnabledEvent.data> };
/** Public (security notice): TOTP is off. */
export type MfaDisabled = { type: 'MfaDisabled'; data: z.infer<typeof mfaDisabledEvent.data> };

export type MfaEvent =
  | TotpEnrolmentStarted
  | TotpEnrolmentConfirmed
  | TotpCodeUsed
  | RecoveryCodeUsed
  | MfaEnabled
  | MfaDisabled;

export type Mfa =
  | { status: 'none' }
  | { status: 'pending'; encryptedSecret: string }
  | { status: 'enabled'; encryptedSecret: string; recoveryCodeHashes: string[]; lastUsedStep: number };

export const initialMfa = (): Mfa => ({ status: 'none' });

/** Folds one event into the user's MFA state. */
export function evolveMfa(state: Mfa, event: MfaEvent): Mfa {
  switch (event.type) {
    case 'TotpEnrolmentStarted':
      return { status: 'pending', encryptedSecret: event.data.encryptedSecret };
    case 'TotpEnrolmentConfirmed':
      if (state.status !== 'pending') return state;
      return {
        status: 'enabled',
        encryptedSecret: state.encryptedSecret,
        recoveryCodeHashes: event.data.recoveryCodeHashes,
        lastUsedStep: event.data.step,
      };
    case 'TotpCodeUsed':
      return state.status === 'enabled' ? { ...state, lastUsedStep: event.data.step } : state;
    case 'RecoveryCodeUsed':
      if (state.status !== 'enabled') return state;
      return {
        ...state,
        recoveryCodeHashes: state.recoveryCodeHashes.filter((h) => h !== event.data.codeHash),
      };
    case 'MfaEnabled':
      return state;
    case 'MfaDisabled':
      return { status: 'none' };
  }
}
