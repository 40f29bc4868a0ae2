import { getJwksQuery, rotateSigningKeyCommand } from '@ledgerline/contracts';
import { handleMessage } from '@ledgerline/platform';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { Auth } from '../sessions/auth.js';
import { AUTH } from '../sessions/authModule.tokens.js';

/** NATS adapters of the JWKS query and key rotation (sent by the ops tooling). */
@Controller()
export class SigningKeysHandlers {
  constructor(@Inject(AUTH) private readonly auth: Auth) {}

  @MessagePattern(getJwksQuery.subject)
  jwks(@Payload() payload: unknown) {
    return handleMessage(getJwksQuery, payload, () => this.auth.signingKeys.jwks());
  }

  @MessagePattern(rotateSigningKeyCommand.subject)
  rotate(@Payload() payload: unknown) {
    return handleMessage(rotateSigningKeyCommand, payload, () => this.auth.signingKeys.rotate());
  }
}
