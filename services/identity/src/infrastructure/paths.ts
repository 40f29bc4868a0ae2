import { fileURLToPath } from 'node:url';

// src/infrastructure/ and dist/infrastructure/ sit at the same depth, so one relative URL serves
// both `tsx src/main.ts` and `node dist/main.js`.
/** The folder of identity's Prisma-format read-model migrations. */
export const migrationsDir = (): string => fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
