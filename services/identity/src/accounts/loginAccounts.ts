import { accountStatusSchema, type Role, roleSchema, type Tier, tierSchema } from '@ledgerline/contracts';
import type { LoginAccount as LoginAccountRow } from '../generated/prisma/client.js';
import type { ReadModels } from '../service.js';
import { normaliseEmail } from '../shared/emails.js';

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

/**
 * What sign-in needs to know about an account (the `login_accounts` read model). `passwordHash`
 * is null only for an account without a password (none today; passwordless accounts later).
 */
export type LoginAccount = Omit<Pick<LoginAccountRow, keyof typeof SELECT>, 'status' | 'role' | 'tier'> & {
  status: 'active' | 'deactivated';
  role: Role;
  tier: Tier;
};

// The columns are plain text; the projection only ever writes these values, so a parse failure
// means a corrupt read model and is worth an error rather than a wrong role in a token.
const toLoginAccount = (row: Pick<LoginAccountRow, keyof typeof SELECT>): LoginAccount => ({
  ...row,
  status: accountStatusSchema.parse(row.status),
  role: roleSchema.parse(row.role),
  tier: tierSchema.parse(row.tier),
});

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
