import 'reflect-metadata';
import { startIdentity } from './identityService.js';

// The identity process: `npm run dev` (tsx) or `node dist/main.js`. A failed start exits non-zero
// with the reason (a ConfigError lists every bad variable).
startIdentity().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
