import { Module } from '@nestjs/common';
import type { IdentityInfrastructure } from '../infrastructure/infrastructure.js';
import { INFRASTRUCTURE } from '../infrastructure/tokens.js';
import { accountsDeps } from './accountsDeps.js';
import { ACCOUNTS } from './accountsModule.tokens.js';
import { AccountsHandlers } from './handlers.js';

/** Accounts: registration, e-mail verification, passwords, profile, administration. */
@Module({
  controllers: [AccountsHandlers],
  providers: [
    {
      provide: ACCOUNTS,
      inject: [INFRASTRUCTURE],
      useFactory: (infra: IdentityInfrastructure) => accountsDeps(infra),
    },
  ],
})
export class AccountsModule {}
