import { type AdminUser, NotFoundError, type Profile } from '@ledgerline/contracts';
import type { User } from '../generated/prisma/client.js';
import type { ReadModels } from '../service.js';

// The read side of accounts: rows of `users` as the contracts shape them.

/** A `users` row as the user sees themself (GET /me). */
export const toProfile = (row: User): Profile => ({
  id: row.id,
  email: row.email,
  displayName: row.displayName,
  avatarFileId: row.avatarFileId,
  locale: row.locale,
  emailVerified: row.emailVerified,
  role: row.role as Profile['role'],
  tier: row.tier as Profile['tier'],
  mfaEnabled: row.mfaEnabled,
  status: row.status as Profile['status'],
  createdAt: row.createdAt.toISOString(),
});

/** A `users` row as an administrator sees it. */
export const toAdminUser = (row: User): AdminUser => ({
  ...toProfile(row),
  lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
});

/**
 * A `users` row as an inline projection stored it (JSON from Postgres: timestamps as strings) in
 * Prisma's shape, so replies built from the append's own write match a read of the row.
 */
export const userFromDocument = (doc: Record<string, unknown>): User =>
  ({
    ...doc,
    createdAt: new Date(doc.createdAt as string),
    lastLoginAt: doc.lastLoginAt == null ? null : new Date(doc.lastLoginAt as string),
  }) as User;

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
