import { HEADER, seal } from '@ledgerline/contracts';
import { uuidv7 } from '@ledgerline/platform';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';

/** A contract-shaped identity event envelope (the relay's wire format). */
export function identityEnvelope(type: string, data: Record<string, unknown>, id = uuidv7()) {
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: `account-${uuidv7()}`,
    streamPosition: 1,
    globalPosition: 1,
    occurredAt: new Date().toISOString(),
    data,
    meta: { correlationId: `corr-${id}` },
  };
}

/** The recipient fields every mailed identity event carries. */
export const recipient = (email: string, displayName = 'Ada Lovelace') => ({
  userId: uuidv7(),
  email,
  displayName,
  locale: 'en',
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** Builders for the mailed events, with their secrets sealed as identity seals them. */
export const identityEvents = (sealKey: string) => ({
  verification: (email: string, token: string) =>
    identityEnvelope('EmailVerificationRequested', {
      ...recipient(email),
      sealedToken: seal(sealKey, token, 'EmailVerificationRequested'),
      expiresAt: inAnHour(),
    }),
  signInCode: (email: string, code: string) =>
    identityEnvelope('SignInCodeRequested', {
      ...recipient(email),
      sealedCode: seal(sealKey, code, 'SignInCodeRequested'),
      expiresAt: inAnHour(),
    }),
  passwordReset: (email: string, token: string) =>
    identityEnvelope('PasswordResetRequested', {
      ...recipient(email),
      sealedToken: seal(sealKey, token, 'PasswordResetRequested'),
      expiresAt: inAnHour(),
    }),
  passwordChanged: (email: string) =>
    identityEnvelope('PasswordChanged', {
      ...recipient(email),
      changedAt: new Date().toISOString(),
      reason: 'changed',
    }),
  mfaEnabled: (email: string) =>
    identityEnvelope('MfaEnabled', { ...recipient(email), enabledAt: new Date().toISOString() }),
  mfaDisabled: (email: string) =>
    identityEnvelope('MfaDisabled', { ...recipient(email), disabledAt: new Date().toISOString() }),
  sessionRevoked: (email: string, sessionId: string | null) =>
    identityEnvelope('SessionRevoked', {
      ...recipient(email),
      sessionId,
      reason: sessionId === null ? 'logout_all' : 'logout',
      revokedAt: new Date().toISOString(),
    }),
});

/** Publishes an envelope (or raw text) on `evt.identity.<type>` with `Nats-Msg-Id`, as the relay does. */
export async function publishIdentityEvent(
  js: JetStreamClient,
  type: string,
  body: unknown,
  msgId = (body as { id?: string }).id ?? uuidv7(),
): Promise<{ duplicate: boolean }> {
  const h = headers();
  h.set(HEADER.natsMsgId, msgId);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const ack = await js.publish(`evt.identity.${type}`, payload, { msgID: msgId, headers: h });
  return { duplicate: ack.duplicate };
}
