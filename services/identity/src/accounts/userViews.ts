import {
  type AdminUser,
  accountStatusSchema,
  NotFoundError,
  type Profile,
  roleSchema,
  tierSchema,
} from '@ledgerline/contracts';
import type { User } from '../generated/prisma/client.js';
import type { ReadModels } from '../service.js';

// The read side of accounts: rows of `users` as the contracts shape them. Role, tier and status
// are plain text columns that only the projection writes; parsing them narrows without a cast.

/** A `users` row as the user sees themself (GET /me). */
export const toProfile = (row: User): Profile => ({
  id: row.id,
  email: row.email,
  displayName: row.displayName,
  avatarFileId: row.avatarFileId,
  locale: row.locale,
  emailVerified: row.emailVerified,
  role: roleSchema.parse(row.role),
  tier: tierSchema.parse(row.tier),
  mfaEnabled: row.mfaEnabled,
  status: accountStatusSchema.parse(row.status),
  createdAt: row.createdAt.toISOString(),
});

/** A `users` row as an administrator sees it. */
export const toAdminUser = (row: User): AdminUser => ({
  ...toProfile(row),
  lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
});

async function userRow(prisma: ReadModels, userId: string): Promise<User> {
  const row = await prisma.user.findUnique({ where: { id: userId } });
  if (row === null) throw new NotFoundError('user not found', { userId });
  return row;
}

/** GetMe: the signed-in user's profile. */
export const getMe = async (prisma: ReadModels, userId: string): Promise<Profile> =>
  toProfile(await userRow(prisma, userId));

/** GetUser (admin): one user with their last sign-in. */
export const getUser = async (prisma: ReadModels, userId: string): Promise<AdminUser> =>
  toAdminUser(await userRow(prisma, userId));
