import { IllegalStateError, UnauthorizedError, ValidationError } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import type { Recipient } from '../sessions/session.js';
import { constantTimeEquals } from '../shared/tokens.js';
import { evolveMfa, initialMfa, type Mfa, type MfaEvent } from './mfa.js';

// Code checks happen outside (they need the decrypted secret and the clock): the handler passes
// the time step a code matched (or null), and the rules about steps live here.
export type MfaCommand =
  | { type: 'StartTotpEnrolment'; data: { encryptedSecret: string } }
  | { type: 'ConfirmTotpEnrolment'; data: { matchedStep: number | null; recoveryCodeHashes: string[] } }
  | { type: 'DisableTotp'; data: { matchedStep: number | null } }
  /** Second step of a sign-in with a TOTP code. */
  | { type: 'UseTotpCode'; data: { matchedStep: number | null } }
  /** Second step of a sign-in with a recovery code. */
  | { type: 'UseRecoveryCode'; data: { codeHash: string } };

export interface MfaContext {
  now: Date;
  recipient: Recipient;
}

/** The one message for a failed second factor at sign-in. */
export const INVALID_SECOND_FACTOR = 'Invalid authentication code';

// A wrong code while signed in (enrol, disable) is bad input, not a lost session: 422, not 401.
const wrongCode = () => new ValidationError('Invalid authentication code', { field: 'code' });

/** A fresh code: it matched a step, and that step is later than the last one accepted. */
const isFresh = (state: Mfa, step: number | null): step is number =>
  step !== null && (state.status !== 'enabled' || step > state.lastUsedStep);

function decide(command: MfaCommand, state: Mfa, ctx: MfaContext): MfaEvent[] {
  const at = ctx.now.toISOString();
  const userId = ctx.recipient.userId;
  switch (command.type) {
    case 'StartTotpEnrolment':
      if (state.status === 'enabled')
        throw new IllegalStateError('TOTP is already enabled; disable it first');
      return [
        {
          type: 'TotpEnrolmentStarted',
          data: { userId, encryptedSecret: command.data.encryptedSecret, startedAt: at },
        },
      ];
    case 'ConfirmTotpEnrolment': {
      if (state.status !== 'pending')
        throw new IllegalStateError('No TOTP enrolment is waiting for confirmation');
      const { matchedStep, recoveryCodeHashes } = command.data;
      if (matchedStep === null) throw wrongCode();
      return [
        {
          type: 'TotpEnrolmentConfirmed',
          data: { userId, recoveryCodeHashes, step: matchedStep, confirmedAt: at },
        },
        { type: 'MfaEnabled', data: { ...ctx.recipient, enabledAt: at } },
      ];
    }
    case 'DisableTotp':
      if (state.status !== 'enabled') throw new IllegalStateError('TOTP is not enabled');
      if (!isFresh(state, command.data.matchedStep)) throw wrongCode();
      return [{ type: 'MfaDisabled', data: { ...ctx.recipient, disabledAt: at } }];
    case 'UseTotpCode':
      if (state.status !== 'enabled' || !isFresh(state, command.data.matchedStep)) {
        throw new UnauthorizedError(INVALID_SECOND_FACTOR);
      }
      return [{ type: 'TotpCodeUsed', data: { userId, step: command.data.matchedStep, usedAt: at } }];
    case 'UseRecoveryCode': {
      const { codeHash } = command.data;
      const known =
        state.status === 'enabled' && state.recoveryCodeHashes.some((h) => constantTimeEquals(h, codeHash));
      if (!known) throw new UnauthorizedError(INVALID_SECOND_FACTOR);
      return [{ type: 'RecoveryCodeUsed', data: { userId, codeHash, usedAt: at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The MFA aggregate: TOTP enrolment, replay-safe codes, single-use recovery codes. */
export const mfaDecider: Decider<MfaCommand, MfaEvent, Mfa, MfaContext> = {
  decide,
  evolve: evolveMfa,
  initialState: initialMfa,
};
