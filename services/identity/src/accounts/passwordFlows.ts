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

// Password reset and change. Both end every session of the user in the same transaction as the
// new password (accountCommand in accountsDeps.ts), so the reply means the old sessions are dead.

/**
 * RequestPasswordReset: always `{}` and equally fast (no enumeration by body or timing): the reply
 * does no account-dependent work; the lookup and the append that e-mails a 30-minute single-use
 * link run after it.
 */
export async function requestPasswordReset(
  deps: AccountsDeps,
  request: RequestOf<typeof requestPasswordResetCommand>,
  meta?: MessageMeta,
): Promise<Record<string, never>> {
  deps.afterReply.enqueue('RequestPasswordReset', async () => {
    const account = await findLoginAccountByEmail(deps.prisma, request.email);
    if (account === null) return;
    const command = {
      type: 'RequestPasswordReset' as const,
      data: { reset: newToken(deps, 'password_reset') },
    };
    await swallowDomainErrors(() => runAccountCommand(deps, account.id, command, { meta }));
  });
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
