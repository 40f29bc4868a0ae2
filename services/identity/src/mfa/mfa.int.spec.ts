import {
  confirmTotpEnrolmentCommand,
  mfaEnabledEvent,
  startTotpEnrolmentCommand,
  verifyMfaCommand,
} from '@ledgerline/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthHarness,
  authHarness,
  codeOf,
  PASSWORD,
  tokensOf,
} from '../sessions/authHarness.test-helpers.js';
import { mfaStream } from './mfa.js';
import { totpCode } from './totp.js';

let h: AuthHarness;
beforeAll(async () => {
  h = await authHarness('mfa');
});
afterAll(async () => {
  await h?.close();
});

const client = { ip: '198.51.100.30', userAgent: 'vitest' };
const STEP = 30_000;
// Each test moves along its own clock so codes of different steps are at hand without waiting.
const stepAt = (base: number, steps: number) => new Date(base + steps * STEP);

async function enrolled(name: string, base: number) {
  const account = await h.register(name);
  const started = startTotpEnrolmentCommand.reply.parse(
    await h.auth.mfa.start(account.userId, stepAt(base, 0)),
  );
  const confirmed = confirmTotpEnrolmentCommand.reply.parse(
    await h.auth.mfa.confirm(account.userId, totpCode(started.secret, stepAt(base, 0)), stepAt(base, 0)),
  );
  return { ...account, secret: started.secret, recoveryCodes: confirmed.recoveryCodes };
}

const passwordStep = async (email: string, now: Date) => {
  const result = await h.auth.passwordLogin.login({ email, password: PASSWORD, client }, now);
  if (result.status !== 'mfa_required') throw new Error(`expected mfa_required, got ${result.status}`);
  return result.challengeToken;
};

describe('TOTP', () => {
  it('enrols: secret, otpauth URI, SVG QR; confirming enables MFA with 10 recovery codes', async () => {
    const { userId, email } = await h.register('enrol');
    const now = new Date();
    const started = await h.auth.mfa.start(userId, now);
    expect(started.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(started.otpauthUri).toContain(encodeURIComponent(email));
    expect(started.qrSvg).toContain('<svg');
    expect(await codeOf(h.auth.mfa.confirm(userId, '000000', now))).toBe('VALIDATION');
    const { recoveryCodes } = await h.auth.mfa.confirm(userId, totpCode(started.secret, now), now);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await h.auth.mfa.isEnabled(userId)).toBe(true);
    const events = await h.ctx.store.readStream(mfaStream(userId));
    const enabled = events.find((e) => e.type === 'MfaEnabled');
    expect(mfaEnabledEvent.data.strict().parse(enabled?.data)).toMatchObject({ userId, email });
    // Neither the secret nor the recovery codes are stored in clear.
    const stored = JSON.stringify(events.map((e) => e.data));
    expect(stored).not.toContain(started.secret);
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
  });

  it('login then needs a code; a code is accepted once (replay refused)', async () => {
    const base = Date.now();
    const { userId, email, secret } = await enrolled('twostep', base);
    const now = stepAt(base, 1);
    const challenge = await passwordStep(email, now);
    const code = totpCode(secret, now);
    const result = verifyMfaCommand.reply.parse(
      await h.auth.signIn.verifyMfa(challenge, { code }, client, now),
    );
    const tokens = tokensOf(result);
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ sub: userId, mfa: true });
    // The same code again (same challenge or a new one) is a replay.
    const again = await passwordStep(email, now);
    expect(await codeOf(h.auth.signIn.verifyMfa(again, { code }, client, now))).toBe('UNAUTHORIZED');
    // The enrolment code's step cannot be replayed either; the next step's code works.
    const later = stepAt(base, 2);
    const next = await h.auth.signIn.verifyMfa(again, { code: totpCode(secret, later) }, client, later);
    expect(next.status).toBe('authenticated');
  });

  it('a recovery code works once', async () => {
    const base = Date.now();
    const { email, recoveryCodes } = await enrolled('recovery', base);
    const now = stepAt(base, 1);
    const recoveryCode = recoveryCodes[3]!;
    const first = await h.auth.signIn.verifyMfa(
      await passwordStep(email, now),
      { recoveryCode },
      client,
      now,
    );
    expect(first.status).toBe('authenticated');
    const second = h.auth.signIn.verifyMfa(await passwordStep(email, now), { recoveryCode }, client, now);
    expect(await codeOf(second)).toBe('UNAUTHORIZED');
    const other = recoveryCodes[4]!.toUpperCase();
    expect(
      (await h.auth.signIn.verifyMfa(await passwordStep(email, now), { recoveryCode: other }, client, now))
        .status,
    ).toBe('authenticated');
  });

  it('refuses a forged or expired challenge', async () => {
    const base = Date.now();
    const { email, secret } = await enrolled('challenge', base);
    const now = stepAt(base, 1);
    const challenge = await passwordStep(email, now);
    const late = new Date(now.getTime() + (h.ctx.config.MFA_CHALLENGE_TTL_SECONDS + 1) * 1000);
    expect(
      await codeOf(h.auth.signIn.verifyMfa(challenge, { code: totpCode(secret, late) }, client, late)),
    ).toBe('UNAUTHORIZED');
    expect(await codeOf(h.auth.signIn.verifyMfa('x'.repeat(40), { code: '123456' }, client, now))).toBe(
      'UNAUTHORIZED',
    );
  });

  it('disabling needs a fresh code, then login is one step again', async () => {
    const base = Date.now();
    const { userId, email, secret } = await enrolled('disable', base);
    expect(await codeOf(h.auth.mfa.disable(userId, totpCode(secret, stepAt(base, 0)), stepAt(base, 0)))).toBe(
      'VALIDATION',
    );
    const now = stepAt(base, 1);
    await h.auth.mfa.disable(userId, totpCode(secret, now), now);
    expect(await h.auth.mfa.isEnabled(userId)).toBe(false);
    const events = await h.ctx.store.readStream(mfaStream(userId));
    expect(events.at(-1)).toMatchObject({ type: 'MfaDisabled', data: { userId, email } });
    const result = await h.auth.passwordLogin.login({ email, password: PASSWORD, client }, now);
    expect(result.status).toBe('authenticated');
  });
});
