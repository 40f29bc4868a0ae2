import {
  type changePasswordCommand,
  type MessageMeta,
  NotFoundError,
  type RequestOf,
  type requestPasswordResetCommand,
  type resetPasswordCommand,
  ValidationError,
} from '@ledgerline/contracts';
import { assertPasswordPolicy } from '../shared/passwordPolicy.js';
import { type AccountsDeps, runAccountCommand } from './accountsDeps.js';
import { findLoginAccountByEmail, findLoginAccountById } from './loginAccounts.js';
import { accountOfToken, newToken, swallowDomainErrors } from './registration.js';

// Password reset and change. Revoking sessions afterwards is the sessions feature's reaction to
// PasswordChanged; nothing here touches sessions.

/** RequestPasswordReset: always `{}` (no enumeration); e-mails a 30-minute single-use link. */
export async function requestPasswordReset(
  deps: AccountsDeps,
  request: RequestOf<typeof requestPasswordResetCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  const account = await findLoginAccountByEmail(deps.prisma, request.email);
  if (account === null) return {};
  const command = {
    type: 'RequestPasswordReset' as const,
    data: { reset: newToken(deps, 'password_reset') },
  };
  await swallowDomainErrors(() => runAccountCommand(deps, account.id, command, { meta }));
  return {};
}

/** ResetPassword: token → account, policy, argon2id, then the account checks the token is usable. */
export async function resetPassword(
  deps: AccountsDeps,
  request: RequestOf<typeof resetPasswordCommand>,
  meta?: MessageMeta,
): Promise<{ userId: string }> {
  const { userId, tokenHash } = await accountOfToken(deps, 'password_reset', request.token);
  const account = await findLoginAccountById(deps.prisma, userId);
  if (account === null) throw new NotFoundError('account not found');
  assertPasswordPolicy(request.newPassword, account.email, 'newPassword');
  const passwordHash = await deps.passwords.hashPassword(request.newPassword);
  await runAccountCommand(
    deps,
    userId,
    { type: 'ResetPassword', data: { tokenHash, passwordHash } },
    { meta },
  );
  return { userId };
}

/** ChangePassword: the current password must verify before anything is decided. */
export async function changePassword(
  deps: AccountsDeps,
  request: RequestOf<typeof changePasswordCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  const account = await findLoginAccountById(deps.prisma, request.userId);
  if (account === null) throw new NotFoundError('account not found');
  const current =
    account.passwordHash !== null &&
    (await deps.passwords.verifyPassword(account.passwordHash, request.currentPassword));
  if (!current) {
    throw new ValidationError('The current password is not correct', {
      issues: [{ path: 'currentPassword', code: 'incorrect', message: 'is not correct' }],
    });
  }
  assertPasswordPolicy(request.newPassword, account.email, 'newPassword');
  const passwordHash = await deps.passwords.hashPassword(request.newPassword);
  await runAccountCommand(deps, account.id, { type: 'ChangePassword', data: { passwordHash } }, { meta });
  return {};
}
