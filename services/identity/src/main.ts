import 'reflect-metadata';
import { bootstrapTelemetry } from '@ledgerline/platform/telemetry';

// The identity process: `npm run dev` (tsx) or `node dist/main.js`. Tracing starts first and the
// service is imported after it, so pg and http load already instrumented. A failed start exits
// non-zero with the reason (a ConfigError lists every bad variable).
const telemetry = bootstrapTelemetry('identity');
const { startIdentity } = await import('./identityService.js');
startIdentity({ telemetry }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
