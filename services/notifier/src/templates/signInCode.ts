import type { LocalizedTemplate } from './template.js';

/** Sent on SignInCodeRequested: the one-time code for passwordless sign-in. */
export const signInCode: LocalizedTemplate<'signInCode'> = {
  en: {
    // The code stays out of the subject: subjects show on lock screens and in notification previews.
    subject: () => 'Your sign-in code',
    html: `<p>Hello <%= it.displayName %>,</p>
<p>Your sign-in code is:</p>
<p style="font-size:28px;font-weight:600;letter-spacing:6px;font-family:Menlo,Consolas,monospace"><%= it.code %></p>
<p>It works once and expires on <%= it.date(it.expiresAt) %>. Never share it: Ledgerline will never ask you for it.</p>
<p>If you did not try to sign in, you can ignore this e-mail; your account stays safe without the code.</p>`,
    text: `Hello <%= it.displayName %>,

Your sign-in code is: <%= it.code %>

It works once and expires on <%= it.date(it.expiresAt) %>. Never share it: Ledgerline will never ask you for it.
If you did not try to sign in, you can ignore this e-mail; your account stays safe without the code.
`,
  },
};
