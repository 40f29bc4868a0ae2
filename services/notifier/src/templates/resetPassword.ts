import { buttonStyle } from './layout.js';
import type { LocalizedTemplate } from './template.js';

/** Sent on PasswordResetRequested: the link lets the user choose a new password. */
export const resetPassword: LocalizedTemplate<'resetPassword'> = {
  en: {
    subject: () => 'Reset your password',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Someone asked to reset the password of your Ledgerline account.</p>
<p><a href="<%= it.link %>" style="${buttonStyle}">Choose a new password</a></p>
<p>Or open this link: <a href="<%= it.link %>"><%= it.link %></a></p>
<p>The link works once and expires on <%= it.date(it.expiresAt) %>. Resetting signs you out everywhere.</p>
<p>If it was not you, ignore this e-mail: your password stays as it is.</p>`,
    text: `Hello <%= it.displayName %>,

Someone asked to reset the password of your Ledgerline account. Choose a new one here:

<%= it.link %>

The link works once and expires on <%= it.date(it.expiresAt) %>. Resetting signs you out everywhere.
If it was not you, ignore this e-mail: your password stays as it is.
`,
  },
};
