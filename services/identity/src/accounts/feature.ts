import { defineFeature } from '@ledgerline/platform';
import type { IdentityContext } from '../service.js';
import { accountsDeps } from './accountsDeps.js';
import { accountsHandlers } from './handlers.js';
import { accountTokensProjection } from './projections/accountTokens.js';
import { loginAccountsProjection } from './projections/loginAccountsProjection.js';
import { usersListProjection } from './projections/usersList.js';

/** Accounts: registration, e-mail verification, passwords, profile, administration. */
export const accounts = defineFeature({
  name: 'accounts',
  deps: (ctx: IdentityContext) => accountsDeps(ctx),
  handlers: accountsHandlers,
  // Inline: every reply and every sign-in reads its own writes.
  projections: { inline: [usersListProjection, loginAccountsProjection, accountTokensProjection] },
});
