import type { RecordedEvent } from '@ledgerline/eventsourcing';
import type { RevocationReason } from './session.js';

/** What a trigger asks for: end every session of `userId` opened up to `openedBefore`. */
export interface RevocationRequest {
  userId: string;
  reason: RevocationReason;
  openedBefore: string;
  /** Present when the trigger names the user fully (PasswordChanged); else the account is looked up. */
  recipient?: { userId: string; email: string; displayName: string; locale: string };
}

/** The event types of accounts that end every session of a user. */
export const REVOCATION_TRIGGERS = ['PasswordChanged', 'UserDeactivated'] as const;

/**
 * Which account events end all sessions, and why. A changed password ends all of them (the
 * command does not say which session made the change); a reset and a deactivation too.
 */
export function revocationFor(event: Pick<RecordedEvent, 'type' | 'data'>): RevocationRequest | null {
  switch (event.type) {
    case 'PasswordChanged': {
      const data = event.data as {
        userId: string;
        email: string;
        displayName: string;
        locale: string;
        changedAt: string;
        reason: 'changed' | 'reset';
      };
      const { userId, email, displayName, locale } = data;
      return {
        userId,
        reason: data.reason === 'reset' ? 'password_reset' : 'password_changed',
        openedBefore: data.changedAt,
        recipient: { userId, email, displayName, locale },
      };
    }
    case 'UserDeactivated': {
      const data = event.data as { userId: string; deactivatedAt: string };
      return { userId: data.userId, reason: 'deactivated', openedBefore: data.deactivatedAt };
    }
    default:
      return null;
  }
}
