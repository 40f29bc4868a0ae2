import { defineService } from '@ledgerline/platform';
import { filesConfigSchema } from './config.js';
import { ObjectStore } from './s3/objectStore.js';
import { tiers } from './tiers/tiers.js';
import { uploads } from './uploads/uploads.js';

export default defineService({
  name: 'files',
  config: filesConfigSchema,
  readModels: { prismaDir: new URL('../prisma', import.meta.url) },
  resources: {
    objects: {
      create: ({ config }) => new ObjectStore(config),
      close: (objects) => objects.close(),
    },
  },
  features: [uploads, tiers],
});
