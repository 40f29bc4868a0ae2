// The HTML frame every e-mail shares. Inline styles and tables only: most mail clients drop
// <style> blocks and ignore modern CSS layout.
/** Eta template wrapping a rendered body (`it.body`, already escaped) with a title and footer. */
export const htmlLayout = `<!doctype html>
<html lang="<%= it.lang %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.subject %></title>
</head>
<body style="margin:0;padding:24px;background:#f5f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px">
<tr><td style="padding:32px;font-size:16px;line-height:1.5">
<%~ it.body %>
</td></tr>
<tr><td style="padding:16px 32px;font-size:12px;color:#6e6e73;border-top:1px solid #e5e5ea">
<%= it.footer %>
</td></tr>
</table>
</body>
</html>
`;

/** The footer line of every e-mail, by language. */
export const footers: Record<string, string> = {
  en: 'You received this e-mail because of activity on your Ledgerline account.',
};

/** A button-like link (the URL is escaped like any other value). */
export const buttonStyle =
  'display:inline-block;padding:12px 20px;background:#0a66c2;color:#ffffff;text-decoration:none;border-radius:6px';
