import { schemasOf } from '@ledgerline/eventsourcing';
import { defineService } from '@ledgerline/platform';
import { prismaReadModels } from '@ledgerline/platform/prisma';
import { filesConfigSchema } from './config.js';
import { PrismaClient } from './generated/prisma/client.js';
import { ObjectStore } from './s3/objectStore.js';
import { tiers } from './tiers/tiers.js';
import { UploadTiers } from './tiers/userTiers.js';
import { uploads } from './uploads/uploads.js';
import { HashThread } from './verification/sha256.js';

export default defineService({
  name: 'files',
  config: filesConfigSchema,
  readModels: { prismaDir: new URL('../prisma', import.meta.url), client: prismaReadModels(PrismaClient) },
  resources: {
    objects: {
      create: ({ config }) => new ObjectStore(config),
      close: (objects) => objects.close(),
    },
    tiers: {
      create: ({ pool, schema }) => new UploadTiers(pool, schemasOf(schema).readModel),
      close: (tiers) => tiers.close(),
    },
    hashing: {
      create: () => new HashThread(),
      close: (hashing) => hashing.close(),
    },
  },
  features: [uploads, tiers],
});
