import { defineServiceManifest } from '@ledgerline/eventsourcing';
import { migrationsDir } from './infrastructure/paths.js';
import { asyncProjections, inlineProjections } from './projections.js';

/** What the ops CLI and the Helm jobs need to migrate and rebuild identity's read models. */
export const manifest = defineServiceManifest({
  name: 'identity',
  readModelMigrationsDir: migrationsDir(),
  projections: [...inlineProjections, ...asyncProjections],
  asyncProjections: asyncProjections.map((p) => p.name),
});
