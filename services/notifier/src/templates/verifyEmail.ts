import { buttonStyle } from './layout.js';
import type { LocalizedTemplate } from './template.js';

/** Sent on EmailVerificationRequested: the link proves the user owns the address. */
export const verifyEmail: LocalizedTemplate<'verifyEmail'> = {
  en: {
    subject: () => 'Confirm your e-mail address',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Please confirm that this is your e-mail address.</p>
<p><a href="<%= it.link %>" style="${buttonStyle}">Confirm e-mail address</a></p>
<p>Or open this link: <a href="<%= it.link %>"><%= it.link %></a></p>
<p>The link works once and expires on <%= it.date(it.expiresAt) %>. If you did not create an account, ignore this e-mail.</p>`,
    text: `Hello <%= it.displayName %>,

Please confirm that this is your e-mail address by opening this link:

<%= it.link %>

The link works once and expires on <%= it.date(it.expiresAt) %>.
If you did not create an account, ignore this e-mail.
`,
  },
};
