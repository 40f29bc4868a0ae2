import { defineFeature } from '@ledgerline/platform';
import { type FilesContext, filesDeps } from '../filesDeps.js';
import { applyIdentityEvent } from './userTiers.js';

const IDENTITY_EVENTS = new Set(['UserRegistered', 'UserTierChanged', 'UserDeactivated', 'UserReactivated']);

/** The tier read model, fed by identity's public events through a durable consumer. */
export const tiers = defineFeature({
  name: 'tiers',
  deps: (ctx: FilesContext) => filesDeps(ctx),
  consumers: [
    {
      name: 'files-tiers',
      filterSubject: 'evt.identity.>',
      description: 'files: user tiers and activation from identity',
      settings: (deps) => ({
        durable: deps.durables.tiers,
        accepts: (subject: string) => IDENTITY_EVENTS.has(subject.slice(subject.lastIndexOf('.') + 1)),
      }),
      handle: (deps, ctx) => applyIdentityEvent(deps.readModel, ctx),
    },
  ],
});
