import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, mailTo, PASSWORD, register, uniqueEmail } from './flows.js';
import { call } from './http.js';

// The links in identity's e-mails, followed as a person would when no frontend is configured
// (APP_URL unset): the gateway serves a page with a form, the browser posts it back.
const PUBLIC_ORIGIN = 'http://app.ledgerline.test';

interface FormPage {
  status: number;
  html: string;
  cookie: string;
  csrf: string;
  token: string;
}

/** Opens an e-mailed link on the test gateway (the link's host is PUBLIC_URL, the gateway's public name). */
async function openLink(cluster: Cluster, mail: string, path: string): Promise<FormPage> {
  const link = new RegExp(`https?://[^\\s"<>]+${path}\\?token=[^\\s"<>]+`).exec(mail)?.[0];
  if (!link) throw new Error(`no ${path} link in mail:\n${mail}`);
  expect(link.startsWith(`${PUBLIC_ORIGIN}${path}?token=`)).toBe(true);
  const url = new URL(link);
  const response = await fetch(`${cluster.baseUrl}${url.pathname}${url.search}`);
  const html = await response.text();
  const cookie = response.headers.getSetCookie().map((line) => line.split(';')[0]!)[0] ?? '';
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
  return { status: response.status, html, cookie, csrf: field('csrf'), token: field('token') };
}

async function postForm(
  cluster: Cluster,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ status: number; html: string }> {
  const response = await fetch(`${cluster.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, html: await response.text() };
}

describe('e-mail links open working pages on the gateway', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('verification link → page → form post → the address is verified', async () => {
    const email = uniqueEmail('page-verify');
    await register(cluster, email);
    const page = await openLink(
      cluster,
      await mailTo(cluster, email, /confirm your e-mail/i),
      '/verify-email',
    );
    expect(page.status).toBe(200);
    expect(page.html).toContain('<form method="post" action="/verify-email">');
    expect(page.html).not.toContain('<script');

    // A post without the form's cookie, or from another origin, is refused and verifies nothing.
    const forged = await postForm(
      cluster,
      '/verify-email',
      { token: page.token, csrf: page.csrf },
      { origin: 'https://evil.example' },
    );
    expect(forged.status).toBe(403);
    const noCookie = await postForm(
      cluster,
      '/verify-email',
      { token: page.token, csrf: page.csrf },
      { origin: PUBLIC_ORIGIN },
    );
    expect(noCookie.status).toBe(403);

    const done = await postForm(
      cluster,
      '/verify-email',
      { token: page.token, csrf: page.csrf },
      { origin: PUBLIC_ORIGIN, cookie: page.cookie },
    );
    expect(done.status).toBe(200);
    expect(done.html).toMatch(/verified/i);
    const me = await call<{ emailVerified: boolean }>(cluster.baseUrl, 'GET', '/me', {
      token: (await login(cluster, email)).accessToken,
    });
    expect(me.body.emailVerified).toBe(true);

    // The token was single use: the same form again says the link is spent.
    const again = await postForm(
      cluster,
      '/verify-email',
      { token: page.token, csrf: page.csrf },
      { origin: PUBLIC_ORIGIN, cookie: page.cookie },
    );
    expect(again.status).toBe(400);
  });

  it('reset link → page → mismatched passwords are shown again → new password works', async () => {
    const email = uniqueEmail('page-reset');
    await register(cluster, email);
    expect((await call(cluster.baseUrl, 'POST', '/auth/password/forgot', { body: { email } })).status).toBe(
      202,
    );
    const page = await openLink(
      cluster,
      await mailTo(cluster, email, /reset your password/i),
      '/reset-password',
    );
    expect(page.status).toBe(200);
    expect(page.html).toContain('type="password"');

    const headers = { origin: PUBLIC_ORIGIN, cookie: page.cookie };
    const newPassword = 'a brand new passphrase 77';
    const mismatch = await postForm(
      cluster,
      '/reset-password',
      { token: page.token, csrf: page.csrf, newPassword, confirmPassword: `${newPassword}x` },
      headers,
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.html).toContain('The two passwords differ.');
    // The re-rendered form carries a fresh CSRF value and cookie.
    const retry = {
      csrf: /name="csrf" value="([^"]*)"/.exec(mismatch.html)![1]!,
      cookie: page.cookie.replace(/=.*/, `=${/name="csrf" value="([^"]*)"/.exec(mismatch.html)![1]!}`),
    };

    const done = await postForm(
      cluster,
      '/reset-password',
      { token: page.token, csrf: retry.csrf, newPassword, confirmPassword: newPassword },
      { origin: PUBLIC_ORIGIN, cookie: retry.cookie },
    );
    expect(done.status).toBe(200);
    expect(done.html).toMatch(/password is set/i);
    await expect(login(cluster, email, PASSWORD)).rejects.toThrow(/401/);
    expect((await login(cluster, email, newPassword)).accessToken).toBeTruthy();
  });

  it('a form post anywhere else is still 415 problem+json', async () => {
    const response = await fetch(`${cluster.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.test&password=x',
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
