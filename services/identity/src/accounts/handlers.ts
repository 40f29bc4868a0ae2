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

/** The accounts feature's NATS subjects: the runtime parses each request with its contract. */
export const accountsHandlers = [
  on(registerUserCommand, (deps: AccountsDeps, req, meta) => registerUser(deps, req, meta)),
  on(verifyEmailCommand, (deps: AccountsDeps, req, meta) => verifyEmail(deps, req, meta)),
  on(resendVerificationCommand, (deps: AccountsDeps, req, meta) => resendVerification(deps, req, meta)),
  on(requestPasswordResetCommand, (deps: AccountsDeps, req, meta) => requestPasswordReset(deps, req, meta)),
  on(resetPasswordCommand, (deps: AccountsDeps, req, meta) => resetPassword(deps, req, meta)),
  on(changePasswordCommand, (deps: AccountsDeps, req, meta) => changePassword(deps, req, meta)),
  on(updateProfileCommand, (deps: AccountsDeps, req, meta) => updateProfile(deps, req, meta)),
  on(deactivateAccountCommand, (deps: AccountsDeps, req, meta) => deactivateAccount(deps, req, meta)),
  on(bootstrapAdminCommand, (deps: AccountsDeps, req, meta) => bootstrapAdmin(deps, req, meta)),
  on(adminUpdateUserCommand, (deps: AccountsDeps, req, meta) => adminUpdateUser(deps, req, meta)),
  on(changeUserTierCommand, (deps: AccountsDeps, req, meta) => changeUserTier(deps, req, meta)),
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
