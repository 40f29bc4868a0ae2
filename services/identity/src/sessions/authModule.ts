import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IdentityInfrastructure } from '../infrastructure/infrastructure.js';
import { INFRASTRUCTURE } from '../infrastructure/tokens.js';
import { MfaHandlers } from '../mfa/handlers.js';
import { SigningKeysHandlers } from '../signingKeys/handlers.js';
import { type Auth, createAuth } from './auth.js';
import { AUTH } from './authModule.tokens.js';
import { SessionsHandlers } from './handlers.js';

/** Authentication: signing keys, sign-in (password, code, MFA), sessions, throttling. */
@Module({
  controllers: [SessionsHandlers, MfaHandlers, SigningKeysHandlers],
  providers: [
    {
      provide: AUTH,
      inject: [INFRASTRUCTURE],
      useFactory: (infra: IdentityInfrastructure) => createAuth(infra),
    },
  ],
})
export class AuthModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(AUTH) private readonly auth: Auth) {}

  /** A signing key exists before the first sign-in; session revocations follow the log. */
  async onApplicationBootstrap(): Promise<void> {
    await this.auth.signingKeys.bootstrap();
    await this.auth.reaction.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.auth.reaction.stop();
  }
}
