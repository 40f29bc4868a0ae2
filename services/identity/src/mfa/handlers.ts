import {
  confirmTotpEnrolmentCommand,
  disableTotpCommand,
  startTotpEnrolmentCommand,
} from '@ledgerline/contracts';
import { handleMessage } from '@ledgerline/platform';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { eventMeta } from '../accounts/accountsDeps.js';
import type { Auth } from '../sessions/auth.js';
import { AUTH } from '../sessions/authModule.tokens.js';

/** NATS adapters of TOTP enrolment and disabling. */
@Controller()
export class MfaHandlers {
  constructor(@Inject(AUTH) private readonly auth: Auth) {}

  @MessagePattern(startTotpEnrolmentCommand.subject)
  start(@Payload() payload: unknown) {
    return handleMessage(startTotpEnrolmentCommand, payload, (req, meta) =>
      this.auth.mfa.start(req.userId, new Date(), eventMeta(meta)),
    );
  }

  @MessagePattern(confirmTotpEnrolmentCommand.subject)
  confirm(@Payload() payload: unknown) {
    return handleMessage(confirmTotpEnrolmentCommand, payload, (req, meta) =>
      this.auth.mfa.confirm(req.userId, req.code, new Date(), eventMeta(meta)),
    );
  }

  @MessagePattern(disableTotpCommand.subject)
  disable(@Payload() payload: unknown) {
    return handleMessage(disableTotpCommand, payload, async (req, meta) => {
      await this.auth.mfa.disable(req.userId, req.code, new Date(), eventMeta(meta));
      return {};
    });
  }
}
