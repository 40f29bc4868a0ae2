import { defineServiceManifest } from '@ledgerline/eventsourcing';

/**
 * What the ops CLI and the Helm jobs know about the notifier: it keeps no read models (deliveries
 * live in its event store), so migrations are the kernel's and there is nothing to rebuild.
 */
export const manifest = defineServiceManifest({
  name: 'notifier',
  projections: [],
});
