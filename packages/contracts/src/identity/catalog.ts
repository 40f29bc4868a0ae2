import type { RequestContract } from '../contract.js';
import {
  bootstrapAdminCommand,
  changePasswordCommand,
  deactivateAccountCommand,
  getMeQuery,
  requestPasswordResetCommand,
  resendVerificationCommand,
  resetPasswordCommand,
  updateProfileCommand,
  verifyEmailCommand,
} from './accounts.js';
import { adminUpdateUserCommand, changeUserTierCommand, getUserQuery, listUsersQuery } from './admin.js';
import { confirmTotpEnrolmentCommand, disableTotpCommand, startTotpEnrolmentCommand } from './mfa.js';
import {
  getJwksQuery,
  listMySessionsQuery,
  loginCommand,
  logoutAllCommand,
  logoutCommand,
  refreshSessionCommand,
  requestSignInCodeCommand,
  revokeSessionCommand,
  rotateSigningKeyCommand,
  verifyMfaCommand,
  verifySignInCodeCommand,
} from './sessions.js';

/** Identity's commands other than RegisterUser (in registration.ts). */
export const identityCommands = [
  verifyEmailCommand,
  resendVerificationCommand,
  requestPasswordResetCommand,
  resetPasswordCommand,
  changePasswordCommand,
  updateProfileCommand,
  deactivateAccountCommand,
  bootstrapAdminCommand,
  loginCommand,
  requestSignInCodeCommand,
  verifySignInCodeCommand,
  verifyMfaCommand,
  refreshSessionCommand,
  logoutCommand,
  logoutAllCommand,
  revokeSessionCommand,
  rotateSigningKeyCommand,
  startTotpEnrolmentCommand,
  confirmTotpEnrolmentCommand,
  disableTotpCommand,
  adminUpdateUserCommand,
  changeUserTierCommand,
] as const;

export const identityQueries = [
  getMeQuery,
  listMySessionsQuery,
  getJwksQuery,
  listUsersQuery,
  getUserQuery,
] as const;

// The ops CLI sends BootstrapAdmin and RotateSigningKey; billing sends ChangeUserTier (later issues).
const notFromGateway = new Set<RequestContract>([
  bootstrapAdminCommand,
  rotateSigningKeyCommand,
  changeUserTierCommand,
]);

/** What the gateway sends to identity. */
export const identityConsumedByGateway: readonly RequestContract[] = [
  ...identityCommands,
  ...identityQueries,
].filter((contract) => !notFromGateway.has(contract));
