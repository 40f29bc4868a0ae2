import {
  adminUpdateUserCommand,
  bootstrapAdminCommand,
  changePasswordCommand,
  changeUserTierCommand,
  deactivateAccountCommand,
  getMeQuery,
  getUserQuery,
  listUsersQuery,
  registerUserCommand,
  requestPasswordResetCommand,
  resendVerificationCommand,
  resetPasswordCommand,
  updateProfileCommand,
  verifyEmailCommand,
} from '@ledgerline/contracts';
import { on } from '@ledgerline/platform';
import type { AccountsDeps } from './accountsDeps.js';
import {
  adminUpdateUser,
  assertAdmin,
  bootstrapAdmin,
  changeUserTier,
  deactivateAccount,
  updateProfile,
} from './administration.js';
import { listUsers } from './listUsers.js';
import { changePassword, requestPasswordReset, resetPassword } from './passwordFlows.js';
import { registerUser, resendVerification, verifyEmail } from './registration.js';
import { getMe, getUser } from './userViews.js';

/**
 * The accounts feature's NATS subjects: the runtime parses each request with its contract and calls
 * the use case with (deps, request, meta) directly.
 */
export const accountsHandlers = [
  on(registerUserCommand, registerUser),
  on(verifyEmailCommand, verifyEmail),
  on(resendVerificationCommand, resendVerification),
  on(requestPasswordResetCommand, requestPasswordReset),
  on(resetPasswordCommand, resetPassword),
  on(changePasswordCommand, changePassword),
  on(updateProfileCommand, updateProfile),
  on(deactivateAccountCommand, deactivateAccount),
  on(bootstrapAdminCommand, bootstrapAdmin),
  on(adminUpdateUserCommand, adminUpdateUser),
  on(changeUserTierCommand, changeUserTier),
  on(getMeQuery, (deps: AccountsDeps, req) => getMe(deps.prisma, req.userId)),
  on(getUserQuery, (deps: AccountsDeps, req, meta) => {
    assertAdmin(meta);
    return getUser(deps.prisma, req.userId);
  }),
  on(listUsersQuery, (deps: AccountsDeps, req, meta) => {
    assertAdmin(meta);
    return listUsers(deps.prisma, req);
  }),
];
