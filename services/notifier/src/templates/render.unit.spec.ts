import { describe, expect, it } from 'vitest';
import { render, templateNames } from './render.js';
import type { TemplateDataMap } from './template.js';

const link = 'https://app.example.com/verify-email?token=tok_ABC-123';
const at = '2026-11-23T10:30:00.000Z';
const hostile = '<script>alert("x")</script> & "Bobby" <img src=x onerror=1>';

const samples: { [Name in keyof TemplateDataMap]: TemplateDataMap[Name] } = {
  verifyEmail: { displayName: 'Ada', link, expiresAt: at },
  signInCode: { displayName: 'Ada', code: '042917', expiresAt: at },
  resetPassword: {
    displayName: 'Ada',
    link: 'https://app.example.com/reset-password?token=rst_XYZ',
    expiresAt: at,
  },
  passwordChanged: { displayName: 'Ada', at, reason: 'reset' },
  mfaEnabled: { displayName: 'Ada', at },
  mfaDisabled: { displayName: 'Ada', at },
  sessionsRevoked: { displayName: 'Ada', at, reason: 'refresh_token_reuse' },
  duplicateSignUp: { displayName: 'Ada', at },
  paymentFailed: {
    displayName: 'Ada',
    amountLabel: '€15.00',
    portalUrl: 'https://billing.example/p/1',
    graceUntil: at,
  },
  paymentRecovered: { displayName: 'Ada', amountLabel: '€15.00' },
  trialEnding: { displayName: 'Ada', planName: 'Pro', trialEnd: at },
  subscriptionCancelScheduled: { displayName: 'Ada', endsAt: at },
};

describe('render', () => {
  it.each(templateNames)('%s has a subject, an HTML and a text part that greet the user', (name) => {
    const mail = render(name, samples[name] as never, 'en');
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain('Hello Ada,');
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).not.toMatch(/<[a-z]/i);
  });

  it('puts the verification link in both parts, and the expiry in UTC', () => {
    const mail = render('verifyEmail', samples.verifyEmail);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('November 23, 2026');
    expect(mail.text).toContain('UTC');
  });

  it('puts the sign-in code in both parts but never in the subject', () => {
    const mail = render('signInCode', samples.signInCode);
    expect(mail.html).toContain('042917');
    expect(mail.text).toContain('Your sign-in code is: 042917');
    expect(mail.subject).not.toContain('042917');
  });

  it('puts the reset link in both parts', () => {
    const mail = render('resetPassword', samples.resetPassword);
    expect(mail.html).toContain('href="https://app.example.com/reset-password?token=rst_XYZ"');
    expect(mail.text).toContain('https://app.example.com/reset-password?token=rst_XYZ');
  });

  it('says why every session ended', () => {
    const mail = render('sessionsRevoked', samples.sessionsRevoked);
    expect(mail.text).toContain('a sign-in token was used twice');
    expect(render('passwordChanged', samples.passwordChanged).text).toContain('was reset on');
  });

  it('escapes a hostile display name in HTML and keeps it verbatim in the text part', () => {
    const mail = render('verifyEmail', { ...samples.verifyEmail, displayName: hostile });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Bobby&quot;');
    expect(mail.text).toContain(`Hello ${hostile},`);
  });

  it('escapes a link that tries to break out of its attribute', () => {
    const mail = render('verifyEmail', { ...samples.verifyEmail, link: 'https://x.test/?t="><b>' });
    expect(mail.html).not.toContain('"><b>');
    expect(mail.html).toContain('href="https://x.test/?t=&quot;&gt;&lt;b&gt;"');
  });

  it('falls back from an unknown locale or region to English', () => {
    expect(render('mfaEnabled', samples.mfaEnabled, 'pt-BR').locale).toBe('en');
    expect(render('mfaEnabled', samples.mfaEnabled, 'en-GB').locale).toBe('en');
    expect(render('mfaEnabled', samples.mfaEnabled, 'en').html).toContain('lang="en"');
  });
});
