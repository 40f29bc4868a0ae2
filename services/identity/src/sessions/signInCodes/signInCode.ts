import { type signInCodeRequestedEvent, UnauthorizedError } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import type { z } from 'zod';
import { constantTimeEquals } from '../../shared/tokens.js';
import type { Recipient } from '../session.js';

/** A user's e-mailed sign-in code: `signInCode-<userId>`; a new request replaces the old code. */
export const signInCodeStream = (userId: string): string => `signInCode-${userId}`;

/** The one message for every failed code sign-in. */
export const INVALID_CODE = 'Invalid or expired sign-in code';

export type SignInCodeEvent =
  /** Internal: what verification needs, the code only as a keyed hash. */
  | {
      type: 'SignInCodeIssued';
      data: { userId: string; codeHash: string; expiresAt: string; issuedAt: string };
    }
  /** Public: the notifier e-mails the sealed code. */
  | { type: 'SignInCodeRequested'; data: z.infer<typeof signInCodeRequestedEvent.data> }
  | { type: 'SignInCodeAttemptFailed'; data: { userId: string; failedAt: string } }
  | { type: 'SignInCodeUsed'; data: { userId: string; usedAt: string } };

export type SignInCode =
  | { status: 'none' }
  | { status: 'issued'; codeHash: string; expiresAt: string; attempts: number; used: boolean };

export type SignInCodeCommand =
  | { type: 'IssueSignInCode'; data: { codeHash: string; sealedCode: string } }
  | { type: 'VerifySignInCode'; data: { presentedHash: string } };

export interface SignInCodeContext {
  now: Date;
  recipient: Recipient;
  ttlSeconds: number;
  maxAttempts: number;
}

function evolve(state: SignInCode, event: SignInCodeEvent): SignInCode {
  switch (event.type) {
    case 'SignInCodeIssued':
      return {
        status: 'issued',
        codeHash: event.data.codeHash,
        expiresAt: event.data.expiresAt,
        attempts: 0,
        used: false,
      };
    case 'SignInCodeRequested':
      return state;
    case 'SignInCodeAttemptFailed':
      return state.status === 'issued' ? { ...state, attempts: state.attempts + 1 } : state;
    case 'SignInCodeUsed':
      return state.status === 'issued' ? { ...state, used: true } : state;
  }
}

function decide(command: SignInCodeCommand, state: SignInCode, ctx: SignInCodeContext): SignInCodeEvent[] {
  const at = ctx.now.toISOString();
  const userId = ctx.recipient.userId;
  switch (command.type) {
    case 'IssueSignInCode': {
      const expiresAt = new Date(ctx.now.getTime() + ctx.ttlSeconds * 1000).toISOString();
      return [
        {
          type: 'SignInCodeIssued',
          data: { userId, codeHash: command.data.codeHash, expiresAt, issuedAt: at },
        },
        {
          type: 'SignInCodeRequested',
          data: { ...ctx.recipient, sealedCode: command.data.sealedCode, expiresAt },
        },
      ];
    }
    case 'VerifySignInCode': {
      const usable =
        state.status === 'issued' &&
        !state.used &&
        state.attempts < ctx.maxAttempts &&
        Date.parse(state.expiresAt) > ctx.now.getTime();
      if (!usable) throw new UnauthorizedError(INVALID_CODE);
      // A wrong guess is recorded (and the caller then refuses): five of them spend the code.
      if (!constantTimeEquals(state.codeHash, command.data.presentedHash)) {
        return [{ type: 'SignInCodeAttemptFailed', data: { userId, failedAt: at } }];
      }
      return [{ type: 'SignInCodeUsed', data: { userId, usedAt: at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The sign-in code aggregate: 6 digits, limited life, limited attempts, single use. */
export const signInCodeDecider: Decider<SignInCodeCommand, SignInCodeEvent, SignInCode, SignInCodeContext> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
