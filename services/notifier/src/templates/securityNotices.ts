import type { LocalizedTemplate, SessionsRevokedReason } from './template.js';

// Security notices tell the user about a change they may not have made; each says what to do if
// it was not them, since that is the only reason the e-mail matters.
const notYou = 'If this was not you, reset your password now and contact support.';

/** Sent on PasswordChanged (a change with the current password, or a reset). */
export const passwordChanged: LocalizedTemplate<'passwordChanged'> = {
  en: {
    subject: () => 'Your password was changed',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>The password of your Ledgerline account was <%= it.reason === 'reset' ? 'reset' : 'changed' %> on <%= it.date(it.at) %>.</p>
<p>${notYou}</p>`,
    text: `Hello <%= it.displayName %>,

The password of your Ledgerline account was <%= it.reason === 'reset' ? 'reset' : 'changed' %> on <%= it.date(it.at) %>.
${notYou}
`,
  },
};

/** Sent on MfaEnabled. */
export const mfaEnabled: LocalizedTemplate<'mfaEnabled'> = {
  en: {
    subject: () => 'Two-factor authentication is on',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Two-factor authentication was turned on for your Ledgerline account on <%= it.date(it.at) %>. Keep your recovery codes somewhere safe.</p>
<p>${notYou}</p>`,
    text: `Hello <%= it.displayName %>,

Two-factor authentication was turned on for your Ledgerline account on <%= it.date(it.at) %>.
Keep your recovery codes somewhere safe.
${notYou}
`,
  },
};

/** Sent on MfaDisabled. */
export const mfaDisabled: LocalizedTemplate<'mfaDisabled'> = {
  en: {
    subject: () => 'Two-factor authentication is off',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Two-factor authentication was turned off for your Ledgerline account on <%= it.date(it.at) %>. Your account is now protected by your password alone.</p>
<p>${notYou}</p>`,
    text: `Hello <%= it.displayName %>,

Two-factor authentication was turned off for your Ledgerline account on <%= it.date(it.at) %>.
Your account is now protected by your password alone.
${notYou}
`,
  },
};

/**
 * Sent on DuplicateSignUpAttempted: registering an address that has an account answers like a new
 * registration (no enumeration), so the owner learns of it here, and how to get back in.
 */
export const duplicateSignUp: LocalizedTemplate<'duplicateSignUp'> = {
  en: {
    subject: () => 'Someone tried to sign up with your address',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>On <%= it.date(it.at) %> someone tried to create a new Ledgerline account with this e-mail address, which already has one. No new account was created and nothing changed on yours.</p>
<p>If it was you, sign in instead; if you forgot your password, use "Forgot password" on the sign-in page. If it was not you, you can ignore this e-mail.</p>`,
    text: `Hello <%= it.displayName %>,

On <%= it.date(it.at) %> someone tried to create a new Ledgerline account with this e-mail address,
which already has one. No new account was created and nothing changed on yours.
If it was you, sign in instead; if you forgot your password, use "Forgot password" on the sign-in page.
If it was not you, you can ignore this e-mail.
`,
  },
};

/** Why every session ended, in words a user understands. */
export const sessionsRevokedReasons: Record<SessionsRevokedReason, string> = {
  logout: 'you signed out',
  logout_all: 'you signed out of all devices',
  revoked_by_user: 'you ended your sessions',
  refresh_token_reuse: 'a sign-in token was used twice, which can mean someone copied it',
  password_changed: 'your password was changed',
  password_reset: 'your password was reset',
  deactivated: 'your account was deactivated',
};

/** Sent on SessionRevoked with `sessionId: null`: every session of the user ended at once. */
export const sessionsRevoked: LocalizedTemplate<'sessionsRevoked'> = {
  en: {
    subject: () => 'You were signed out everywhere',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>On <%= it.date(it.at) %> every session of your Ledgerline account was ended because <%= it.reasons[it.reason] %>. Sign in again on the devices you use.</p>
<p>${notYou}</p>`,
    text: `Hello <%= it.displayName %>,

On <%= it.date(it.at) %> every session of your Ledgerline account was ended because <%= it.reasons[it.reason] %>.
Sign in again on the devices you use.
${notYou}
`,
  },
};
