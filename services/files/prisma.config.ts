import { defineConfig } from 'prisma/config';

// Only the Prisma CLI reads this file. The service itself never runs `prisma migrate`: the kernel's
// migrateService applies prisma/migrations into `<service>_rm`, the same path in tests, dev and prod.
export default defineConfig({
  // A folder: one .prisma file per feature (schema.prisma holds the generator and datasource).
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    // Needed by migrate/diff against a database only; `generate` works without one.
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres?schema=files_rm',
  },
});
