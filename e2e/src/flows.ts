import { randomBytes } from 'node:crypto';
import { waitUntil } from '@ledgerline/testing';
import type { Cluster } from './cluster.js';
import { call } from './http.js';

export const PASSWORD = 'correct horse battery staple 42';

export interface SignedIn {
  userId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

/** A unique address per test, so mail and accounts never collide between runs. */
export const uniqueEmail = (label: string): string =>
  `${label}-${randomBytes(5).toString('hex')}@example.test`;

/** Waits for the e-mail to an address whose subject matches, and returns its text part. */
export async function mailTo(
  cluster: Cluster,
  email: string,
  subject: RegExp,
  timeoutMs = 15_000,
): Promise<string> {
  const find = () => cluster.smtp.to(email).find((mail) => subject.test(mail.subject));
  await waitUntil(() => find() !== undefined, timeoutMs);
  return find()!.text;
}

/** The `token` query parameter of the first link in a mail. */
export const tokenInLink = (text: string): string => {
  const match = /[?&]token=([A-Za-z0-9_\-.%]+)/.exec(text);
  if (!match) throw new Error(`no token link in mail:\n${text}`);
  return decodeURIComponent(match[1]!);
};

/** Registers an account and returns its id. */
export async function register(cluster: Cluster, email: string, password = PASSWORD): Promise<string> {
  const response = await call<{ userId: string }>(cluster.baseUrl, 'POST', '/auth/register', {
    body: { email, password, displayName: 'Ada Lovelace' },
  });
  if (response.status !== 202)
    throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.userId;
}

/** Signs in with a password as an API client (tokens in the body). */
export async function login(cluster: Cluster, email: string, password = PASSWORD): Promise<SignedIn> {
  const response = await call<{ status: string; userId: string; tokens: Omit<SignedIn, 'userId'> }>(
    cluster.baseUrl,
    'POST',
    '/auth/login',
    { body: { email, password } },
  );
  if (response.status !== 200 || response.body.status !== 'authenticated') {
    throw new Error(`login: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return { userId: response.body.userId, ...response.body.tokens };
}
