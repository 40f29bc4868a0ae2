import {
  type AdminUser,
  type adminUpdateUserCommand,
  type bootstrapAdminCommand,
  type changeUserTierCommand,
  type deactivateAccountCommand,
  ForbiddenError,
  IllegalStateError,
  isAppError,
  type MessageMeta,
  type Profile,
  type RequestOf,
  type updateProfileCommand,
} from '@ledgerline/contracts';
import { projectedRow } from '@ledgerline/eventsourcing';
import { uuidv7 } from '@ledgerline/platform';
import { normaliseEmail } from '../shared/emails.js';
import { assertPasswordPolicy } from '../shared/passwordPolicy.js';
import { type AccountsDeps, accountCommand, runAccountCommand } from './accountsDeps.js';
import { findLoginAccountByEmail } from './loginAccounts.js';
import { usersListProjection } from './projections/usersList.js';
import { getMe, getUser, toProfile } from './userViews.js';

// Profile, deactivation and the administrator's commands. Replies are read back from the inline
// read model, which the append already updated (read-your-writes).

/** UpdateProfile: only the fields present change; replies with the new profile. */
export async function updateProfile(
  deps: AccountsDeps,
  request: RequestOf<typeof updateProfileCommand>,
  meta?: MessageMeta,
): Promise<Profile> {
  const { userId, ...changes } = request;
  const result = await accountCommand(deps, userId, { type: 'UpdateProfile', data: changes }, { meta });
  // The append's inline projection already returned the row it stored: reading it back through
  // Prisma cost a second pool checkout, a round trip and Prisma's per-query work on every PATCH.
  // Read it when there is none (nothing changed, or a store without inline projections).
  const row = projectedRow(result, usersListProjection, userId);
  return row ? toProfile(row) : getMe(deps.prisma, userId);
}

/** The acting user's id, when a user is acting (the gateway puts it in the message meta). */
const actorId = (meta: MessageMeta | undefined): string | null =>
  meta?.actor.type === 'user' ? (meta.actor.id ?? null) : null;

/** DeactivateAccount (self-service): soft delete; the e-mail stays reserved. */
export async function deactivateAccount(
  deps: AccountsDeps,
  request: RequestOf<typeof deactivateAccountCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  const by = actorId(meta) ?? request.userId;
  await runAccountCommand(deps, request.userId, { type: 'DeactivateAccount', data: { by } }, { meta });
  return {};
}

/** Refuses anyone but an administrator (by the roles the gateway put on the actor). */
export function assertAdmin(meta: MessageMeta | undefined): string | null {
  if (!meta?.actor.roles?.includes('admin')) throw new ForbiddenError('Administrators only');
  return actorId(meta);
}

/** AdminUpdateUser: role, tier and activation, each applied when present. */
export async function adminUpdateUser(
  deps: AccountsDeps,
  request: RequestOf<typeof adminUpdateUserCommand>,
  meta?: MessageMeta,
): Promise<AdminUser> {
  const by = assertAdmin(meta);
  const { userId, role, tier, status } = request;
  // An administrator who demotes or deactivates themself could lock everyone out of admin.
  if (by === userId && ((role !== undefined && role !== 'admin') || status === 'deactivated')) {
    throw new IllegalStateError('Administrators cannot demote or deactivate themselves');
  }
  const run = (command: Parameters<typeof runAccountCommand>[2]) =>
    runAccountCommand(deps, userId, command, { meta });
  if (role !== undefined) await run({ type: 'ChangeRole', data: { role, by } });
  if (tier !== undefined) await run({ type: 'ChangeTier', data: { tier } });
  if (status === 'deactivated') await run({ type: 'DeactivateAccount', data: { by } });
  if (status === 'active') await run({ type: 'ReactivateAccount', data: { by } });
  return getUser(deps.prisma, userId);
}

/** ChangeUserTier: billing's command when a subscription changes. */
export async function changeUserTier(
  deps: AccountsDeps,
  request: RequestOf<typeof changeUserTierCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string; tier: RequestOf<typeof changeUserTierCommand>['tier'] }> {
  await runAccountCommand(
    deps,
    request.userId,
    { type: 'ChangeTier', data: { tier: request.tier } },
    { meta },
  );
  return { userId: request.userId, tier: request.tier };
}

/**
 * BootstrapAdmin (ops CLI): creates the account as a verified admin, or promotes the existing
 * account with that e-mail; running it again changes nothing. The password of an existing
 * account is left alone.
 */
export async function bootstrapAdmin(
  deps: AccountsDeps,
  request: RequestOf<typeof bootstrapAdminCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string; created: boolean }> {
  const email = normaliseEmail(request.email);
  for (let attempt = 0; ; attempt++) {
    const existing = await findLoginAccountByEmail(deps.prisma, email);
    const data = {
      userId: existing?.id ?? uuidv7(),
      email,
      displayName: request.displayName,
      passwordHash: '',
    };
    if (existing === null) {
      assertPasswordPolicy(request.password, email);
      data.passwordHash = await deps.passwords.hashPassword(request.password);
    }
    try {
      await runAccountCommand(
        deps,
        data.userId,
        { type: 'BootstrapAdmin', data },
        { meta, reserveEmail: email },
      );
      return { userId: data.userId, created: existing === null };
    } catch (error) {
      // Someone registered the e-mail between the lookup and the append: promote that account.
      if (!(isAppError(error) && error.code === 'CONFLICT') || attempt > 0) throw error;
    }
  }
}
