import type { Projection } from '@ledgerline/eventsourcing';
import { accountTokensProjection } from './projections/accountTokens.js';
import { loginAccountsProjection } from './projections/loginAccountsProjection.js';
import { usersListProjection } from './projections/usersList.js';

/** The accounts feature's inline projections (read-your-writes for every reply and for login). */
export const accountsProjections: readonly Projection[] = [
  usersListProjection as unknown as Projection,
  loginAccountsProjection as unknown as Projection,
  accountTokensProjection as unknown as Projection,
];
