import { defineFeature } from '@ledgerline/platform';
import type { IdentityContext } from '../service.js';
import { createAuth } from './auth.js';
import { authHandlers } from './handlers.js';
import { sessionsListProjection } from './projections/sessionsList.js';
import { sessionRevocationReactor } from './sessionRevocationReactor.js';

/** Authentication: signing keys, sign-in (password, code, MFA), sessions, throttling. */
export const auth = defineFeature({
  name: 'auth',
  deps: (ctx: IdentityContext) => createAuth(ctx),
  handlers: authHandlers,
  projections: { inline: [sessionsListProjection] },
  reactors: [sessionRevocationReactor],
});
