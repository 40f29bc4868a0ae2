import {
  duplicateSignUpAttemptedEvent,
  type EventEnvelope,
  emailVerificationRequestedEvent,
  paymentFailedEvent,
  paymentRecoveredEvent,
  seal,
  sessionRevokedEvent,
  signInCodeRequestedEvent,
  subscriptionCancelScheduledEvent,
  trialEndingEvent,
  ValidationError,
} from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { mailedSubjects, moneyLabel, planMail } from './mailPlan.js';

const key = 'a'.repeat(64);
const options = { sealKey: key, publicUrl: 'https://app.example.com/base/' };
const recipient = {
  userId: '0190f5a4-9a4e-7c3b-8f1e-2d3c4b5a6978',
  email: 'ada@example.com',
  displayName: 'Ada',
  locale: 'en',
};
const envelope = (type: string, data: unknown): EventEnvelope => ({
  id: '0190f5a4-9a4e-7c3b-8f1e-2d3c4b5a0001',
  type,
  schemaVersion: 1,
  streamId: 'account-1',
  streamPosition: 1,
  globalPosition: 1,
  occurredAt: '2026-11-23T10:00:00.000Z',
  data,
  meta: {},
});
const expiresAt = '2026-11-24T10:00:00.000Z';

describe('planMail', () => {
  it('opens the sealed token and builds the link under PUBLIC_URL (keeping its path)', () => {
    const sealedToken = seal(key, 'tok/+=', emailVerificationRequestedEvent.type);
    const plan = planMail(
      envelope(emailVerificationRequestedEvent.type, { ...recipient, sealedToken, expiresAt }),
      options,
    );
    expect(plan).toEqual({
      template: 'verifyEmail',
      to: 'ada@example.com',
      locale: 'en',
      data: {
        displayName: 'Ada',
        link: 'https://app.example.com/base/verify-email?token=tok%2F%2B%3D',
        expiresAt,
      },
    });
  });

  it('opens the sign-in code', () => {
    const sealedCode = seal(key, '123456', signInCodeRequestedEvent.type);
    const plan = planMail(
      envelope(signInCodeRequestedEvent.type, { ...recipient, sealedCode, expiresAt }),
      options,
    );
    expect(plan?.data).toMatchObject({ code: '123456' });
  });

  it('refuses a token sealed for another event type or key', () => {
    const sealedCode = seal(key, '123456', 'PasswordResetRequested');
    expect(() =>
      planMail(envelope(signInCodeRequestedEvent.type, { ...recipient, sealedCode, expiresAt }), options),
    ).toThrow(ValidationError);
  });

  it('mails "all sessions revoked" but not a single revoked session', () => {
    const data = { ...recipient, reason: 'logout_all', revokedAt: expiresAt };
    expect(
      planMail(envelope(sessionRevokedEvent.type, { ...data, sessionId: null }), options)?.template,
    ).toBe('sessionsRevoked');
    const one = { ...data, sessionId: '0190f5a4-9a4e-7c3b-8f1e-2d3c4b5a0002' };
    expect(planMail(envelope(sessionRevokedEvent.type, one), options)).toBeNull();
  });

  it('tells the owner of an address that someone tried to sign up with it', () => {
    const at = '2026-11-23T10:30:00.000Z';
    expect(
      planMail(envelope(duplicateSignUpAttemptedEvent.type, { ...recipient, attemptedAt: at }), options),
    ).toEqual({
      template: 'duplicateSignUp',
      to: recipient.email,
      locale: 'en',
      data: { displayName: 'Ada', at },
    });
  });

  it('ignores events it does not mail about', () => {
    expect(planMail(envelope('EmailVerified', {}), options)).toBeNull();
  });
});

describe('billing mails', () => {
  it('plans the dunning mail with the amount in the currency and the portal link', () => {
    const plan = planMail(
      envelope(paymentFailedEvent.type, {
        ...recipient,
        invoiceId: 'in_1',
        amountDue: 1900,
        currency: 'eur',
        attemptCount: 1,
        portalUrl: 'https://billing.example/p/1',
        graceUntil: '2026-12-01T00:00:00.000Z',
        failedAt: expiresAt,
      }),
      options,
    );
    expect(plan).toEqual({
      template: 'paymentFailed',
      to: 'ada@example.com',
      locale: 'en',
      data: {
        displayName: 'Ada',
        amountLabel: '€19.00',
        portalUrl: 'https://billing.example/p/1',
        graceUntil: '2026-12-01T00:00:00.000Z',
      },
    });
  });

  it('plans "payment received", trial reminders and cancellation notices', () => {
    const recovered = planMail(
      envelope(paymentRecoveredEvent.type, {
        ...recipient,
        invoiceId: 'in_1',
        amountPaid: 1200,
        currency: 'jpy',
        paidAt: expiresAt,
      }),
      options,
    );
    expect(recovered).toMatchObject({ template: 'paymentRecovered', data: { amountLabel: '¥1,200' } });
    const trial = planMail(
      envelope(trialEndingEvent.type, { ...recipient, planId: 'pro', planName: 'Pro', trialEnd: expiresAt }),
      options,
    );
    expect(trial).toMatchObject({ template: 'trialEnding', data: { planName: 'Pro', trialEnd: expiresAt } });
    const ending = planMail(
      envelope(subscriptionCancelScheduledEvent.type, {
        ...recipient,
        planId: 'pro',
        endsAt: null,
        reason: 'deactivated',
      }),
      options,
    );
    expect(ending).toMatchObject({ template: 'subscriptionCancelScheduled', data: { endsAt: null } });
  });

  it('subscribes to the subjects of every mailed event, billing included', () => {
    expect(mailedSubjects).toContain('evt.billing.PaymentFailed');
    expect(mailedSubjects).toContain('evt.identity.EmailVerificationRequested');
    expect(moneyLabel(5, 'usd', 'not a locale!')).toBe('$0.05');
  });
});
