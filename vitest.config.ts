import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One config for every package. Tiers are selected by file suffix from the package scripts
// (`vitest run .unit.spec` / `.int.spec`). SWC compiles decorators with metadata for NestJS;
// the `@ledgerline/source` condition resolves workspace packages to their TypeScript sources.
// Unit tests are pure (no mocks, no shared state; CONVENTIONS.md): one module graph per worker instead
// of one per file saves most of their wall time, which is spent importing.
const unitTier = process.argv.some((arg) => arg.endsWith('.unit.spec'));
// Each package's integration tier gets a NATS server of its own (packages/testing/src/packageNats.ts),
// so packages run side by side.
const intTier = process.argv.some((arg) => arg.endsWith('.int.spec'));

export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['@ledgerline/source'] },
  ssr: { resolve: { conditions: ['@ledgerline/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    isolate: !unitTier,
    globalSetup: intTier
      ? [fileURLToPath(new URL('./packages/testing/src/packageNats.ts', import.meta.url))]
      : [],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
    reporters: ['default'],
  },
});
