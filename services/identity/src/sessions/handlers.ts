import {
  listMySessionsQuery,
  loginCommand,
  logoutAllCommand,
  logoutCommand,
  refreshSessionCommand,
  requestSignInCodeCommand,
  revokeSessionCommand,
  verifyMfaCommand,
  verifySignInCodeCommand,
} from '@ledgerline/contracts';
import { handleMessage } from '@ledgerline/platform';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { eventMeta } from '../accounts/accountsDeps.js';
import type { Auth } from './auth.js';
import { AUTH } from './authModule.tokens.js';

/** NATS adapters of sign-in and session use cases: parse with the contract → use case → reply. */
@Controller()
export class SessionsHandlers {
  constructor(@Inject(AUTH) private readonly auth: Auth) {}

  @MessagePattern(loginCommand.subject)
  login(@Payload() payload: unknown) {
    return handleMessage(loginCommand, payload, (req, meta) =>
      this.auth.passwordLogin.login(req, new Date(), eventMeta(meta)),
    );
  }

  @MessagePattern(requestSignInCodeCommand.subject)
  requestSignInCode(@Payload() payload: unknown) {
    return handleMessage(requestSignInCodeCommand, payload, async (req, meta) => {
      await this.auth.signInCodes.request(req, new Date(), eventMeta(meta));
      return {};
    });
  }

  @MessagePattern(verifySignInCodeCommand.subject)
  verifySignInCode(@Payload() payload: unknown) {
    return handleMessage(verifySignInCodeCommand, payload, (req, meta) =>
      this.auth.signInCodes.verify(req, new Date(), eventMeta(meta)),
    );
  }

  @MessagePattern(verifyMfaCommand.subject)
  verifyMfa(@Payload() payload: unknown) {
    return handleMessage(verifyMfaCommand, payload, (req, meta) => {
      const factor = req.code !== undefined ? { code: req.code } : { recoveryCode: req.recoveryCode ?? '' };
      return this.auth.signIn.verifyMfa(req.challengeToken, factor, req.client, new Date(), eventMeta(meta));
    });
  }

  @MessagePattern(refreshSessionCommand.subject)
  refresh(@Payload() payload: unknown) {
    return handleMessage(refreshSessionCommand, payload, (req, meta) =>
      this.auth.sessions.refresh(req.refreshToken, req.client, new Date(), eventMeta(meta)),
    );
  }

  @MessagePattern(logoutCommand.subject)
  logout(@Payload() payload: unknown) {
    return handleMessage(logoutCommand, payload, async (req, meta) => {
      await this.auth.sessions.logout(req, new Date(), eventMeta(meta));
      return {};
    });
  }

  @MessagePattern(logoutAllCommand.subject)
  logoutAll(@Payload() payload: unknown) {
    return handleMessage(logoutAllCommand, payload, async (req) => ({
      revoked: await this.auth.sessions.logoutAll(req.userId),
    }));
  }

  @MessagePattern(revokeSessionCommand.subject)
  revokeSession(@Payload() payload: unknown) {
    return handleMessage(revokeSessionCommand, payload, async (req, meta) => {
      await this.auth.sessions.revoke(req.userId, req.sessionId, new Date(), eventMeta(meta));
      return {};
    });
  }

  @MessagePattern(listMySessionsQuery.subject)
  listMySessions(@Payload() payload: unknown) {
    return handleMessage(listMySessionsQuery, payload, async (req) => ({
      sessions: await this.auth.sessions.list(req.userId, req.currentSessionId),
    }));
  }
}
