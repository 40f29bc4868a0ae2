import type { ReadModels } from '../service.js';
import { normaliseEmail } from '../shared/emails.js';

/** What sign-in needs to know about an account (the `login_accounts` read model). */
export interface LoginAccount {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  /** Null only for an account without a password (none today; passwordless accounts later). */
  passwordHash: string | null;
  status: 'active' | 'deactivated';
  emailVerified: boolean;
  role: 'user' | 'admin';
  tier: 'free' | 'pro' | 'enterprise';
}

const SELECT = {
  id: true,
  email: true,
  displayName: true,
  locale: true,
  passwordHash: true,
  status: true,
  emailVerified: true,
  role: true,
  tier: true,
} as const;

// Columns are plain text in the table; the projection only ever writes these values.
const toLoginAccount = (row: Record<string, unknown>): LoginAccount => row as unknown as LoginAccount;

/** The account with this e-mail (normalised here, so callers may pass it as typed), or null. */
export async function findLoginAccountByEmail(
  prisma: ReadModels,
  email: string,
): Promise<LoginAccount | null> {
  const row = await prisma.loginAccount.findUnique({
    where: { normalisedEmail: normaliseEmail(email) },
    select: SELECT,
  });
  return row === null ? null : toLoginAccount(row);
}

/** The account with this id, or null. */
export async function findLoginAccountById(prisma: ReadModels, id: string): Promise<LoginAccount | null> {
  const row = await prisma.loginAccount.findUnique({ where: { id }, select: SELECT });
  return row === null ? null : toLoginAccount(row);
}
