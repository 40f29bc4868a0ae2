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
import { handleMessage } from '@ledgerline/platform';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { AccountsDeps } from './accountsDeps.js';
import { ACCOUNTS } from './accountsModule.tokens.js';
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

/** NATS adapters of the accounts use cases: parse with the contract → use case → reply. */
@Controller()
export class AccountsHandlers {
  constructor(@Inject(ACCOUNTS) private readonly deps: AccountsDeps) {}

  @MessagePattern(registerUserCommand.subject)
  register(@Payload() payload: unknown) {
    return handleMessage(registerUserCommand, payload, (req, meta) => registerUser(this.deps, req, meta));
  }

  @MessagePattern(verifyEmailCommand.subject)
  verifyEmail(@Payload() payload: unknown) {
    return handleMessage(verifyEmailCommand, payload, (req, meta) => verifyEmail(this.deps, req, meta));
  }

  @MessagePattern(resendVerificationCommand.subject)
  resendVerification(@Payload() payload: unknown) {
    return handleMessage(resendVerificationCommand, payload, (req, meta) =>
      resendVerification(this.deps, req, meta),
    );
  }

  @MessagePattern(requestPasswordResetCommand.subject)
  requestPasswordReset(@Payload() payload: unknown) {
    return handleMessage(requestPasswordResetCommand, payload, (req, meta) =>
      requestPasswordReset(this.deps, req, meta),
    );
  }

  @MessagePattern(resetPasswordCommand.subject)
  resetPassword(@Payload() payload: unknown) {
    return handleMessage(resetPasswordCommand, payload, (req, meta) => resetPassword(this.deps, req, meta));
  }

  @MessagePattern(changePasswordCommand.subject)
  changePassword(@Payload() payload: unknown) {
    return handleMessage(changePasswordCommand, payload, (req, meta) => changePassword(this.deps, req, meta));
  }

  @MessagePattern(updateProfileCommand.subject)
  updateProfile(@Payload() payload: unknown) {
    return handleMessage(updateProfileCommand, payload, (req, meta) => updateProfile(this.deps, req, meta));
  }

  @MessagePattern(deactivateAccountCommand.subject)
  deactivate(@Payload() payload: unknown) {
    return handleMessage(deactivateAccountCommand, payload, (req, meta) =>
      deactivateAccount(this.deps, req, meta),
    );
  }

  @MessagePattern(bootstrapAdminCommand.subject)
  bootstrapAdmin(@Payload() payload: unknown) {
    return handleMessage(bootstrapAdminCommand, payload, (req, meta) => bootstrapAdmin(this.deps, req, meta));
  }

  @MessagePattern(adminUpdateUserCommand.subject)
  adminUpdateUser(@Payload() payload: unknown) {
    return handleMessage(adminUpdateUserCommand, payload, (req, meta) =>
      adminUpdateUser(this.deps, req, meta),
    );
  }

  @MessagePattern(changeUserTierCommand.subject)
  changeUserTier(@Payload() payload: unknown) {
    return handleMessage(changeUserTierCommand, payload, (req, meta) => changeUserTier(this.deps, req, meta));
  }

  @MessagePattern(getMeQuery.subject)
  getMe(@Payload() payload: unknown) {
    return handleMessage(getMeQuery, payload, (req) => getMe(this.deps.prisma, req.userId));
  }

  @MessagePattern(getUserQuery.subject)
  getUser(@Payload() payload: unknown) {
    return handleMessage(getUserQuery, payload, (req, meta) => {
      assertAdmin(meta);
      return getUser(this.deps.prisma, req.userId);
    });
  }

  @MessagePattern(listUsersQuery.subject)
  listUsers(@Payload() payload: unknown) {
    return handleMessage(listUsersQuery, payload, (req, meta) => {
      assertAdmin(meta);
      return listUsers(this.deps.prisma, req);
    });
  }
}
