import {
  confirmTotpEnrolmentCommand,
  disableTotpCommand,
  getJwksQuery,
  listMySessionsQuery,
  loginCommand,
  logoutAllCommand,
  logoutCommand,
  refreshSessionCommand,
  requestSignInCodeCommand,
  revokeSessionCommand,
  rotateSigningKeyCommand,
  startTotpEnrolmentCommand,
  verifyMfaCommand,
  verifySignInCodeCommand,
} from '@ledgerline/contracts';
import { on } from '@ledgerline/platform';
import { eventMeta } from '../accounts/accountsDeps.js';
import type { Auth } from './auth.js';

/** Sign-in, sessions, second factor and signing keys: one row per NATS subject. */
export const authHandlers = [
  on(loginCommand, (auth: Auth, req, meta) => auth.passwordLogin.login(req, new Date(), eventMeta(meta))),
  on(requestSignInCodeCommand, async (auth: Auth, req, meta) => {
    await auth.signInCodes.request(req, new Date(), eventMeta(meta));
    return {};
  }),
  on(verifySignInCodeCommand, (auth: Auth, req, meta) =>
    auth.signInCodes.verify(req, new Date(), eventMeta(meta)),
  ),
  on(verifyMfaCommand, (auth: Auth, req, meta) => {
    const factor = req.code !== undefined ? { code: req.code } : { recoveryCode: req.recoveryCode ?? '' };
    return auth.signIn.verifyMfa(req.challengeToken, factor, req.client, new Date(), eventMeta(meta));
  }),
  on(refreshSessionCommand, (auth: Auth, req, meta) =>
    auth.sessions.refresh(req.refreshToken, req.client, new Date(), eventMeta(meta)),
  ),
  on(logoutCommand, async (auth: Auth, req, meta) => {
    await auth.sessions.logout(req, new Date(), eventMeta(meta));
    return {};
  }),
  on(logoutAllCommand, async (auth: Auth, req, meta) => ({
    revoked: await auth.sessions.logoutAll(req.userId, new Date(), eventMeta(meta)),
  })),
  on(revokeSessionCommand, async (auth: Auth, req, meta) => {
    await auth.sessions.revoke(req.userId, req.sessionId, new Date(), eventMeta(meta));
    return {};
  }),
  on(listMySessionsQuery, async (auth: Auth, req) => ({
    items: await auth.sessions.list(req.userId, req.currentSessionId),
    nextCursor: null,
  })),
  on(startTotpEnrolmentCommand, (auth: Auth, req, meta) =>
    auth.mfa.start(req.userId, new Date(), eventMeta(meta)),
  ),
  on(confirmTotpEnrolmentCommand, (auth: Auth, req, meta) =>
    auth.mfa.confirm(req.userId, req.code, new Date(), eventMeta(meta)),
  ),
  on(disableTotpCommand, async (auth: Auth, req, meta) => {
    await auth.mfa.disable(req.userId, req.code, new Date(), eventMeta(meta));
    return {};
  }),
  on(getJwksQuery, (auth: Auth) => auth.signingKeys.jwks()),
  on(rotateSigningKeyCommand, (auth: Auth) => auth.signingKeys.rotate()),
];
