// Minimal server-rendered pages for the links in identity's e-mails, served when no frontend is
// configured (APP_URL unset): a form that posts the token, no JavaScript, styles inline (the CSP
// allows inline styles, not scripts). Every interpolated value is escaped.

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const STYLE =
  'body{font:16px system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}' +
  'main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}' +
  'h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}' +
  'input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}.error{color:#b00020}';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

export interface FormPage {
  /** Where the form posts (the same path: the gateway's page route). */
  readonly action: string;
  readonly token: string;
  /** The per-form CSRF value, also set as a cookie (double submit). */
  readonly csrf: string;
  readonly error?: string;
}

const hidden = (page: FormPage) =>
  `<input type="hidden" name="token" value="${escapeHtml(page.token)}">` +
  `<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">`;

const errorLine = (error: string | undefined) =>
  error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;

/** Confirming the address takes a click: mail scanners that fetch links must not use up the token. */
export function verifyEmailForm(page: FormPage): string {
  return layout(
    'Verify your e-mail address',
    `${errorLine(page.error)}<form method="post" action="${escapeHtml(page.action)}">${hidden(page)}
<button type="submit">Verify my e-mail address</button></form>`,
  );
}

export function resetPasswordForm(page: FormPage): string {
  return layout(
    'Choose a new password',
    `${errorLine(page.error)}<form method="post" action="${escapeHtml(page.action)}">${hidden(page)}
<label for="newPassword">New password (at least 12 characters)</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" minlength="12" required>
<label for="confirmPassword">Repeat the new password</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" minlength="12" required>
<button type="submit">Set the new password</button></form>`,
  );
}

/** The outcome of a form: done, or why not (with no form: the link itself is unusable). */
export function resultPage(title: string, message: string, ok: boolean): string {
  return layout(title, `<p${ok ? '' : ' class="error" role="alert"'}>${escapeHtml(message)}</p>`);
}
