import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// One config for every package. Tiers are selected by file suffix from the package scripts
// (`vitest run .unit.spec` / `.int.spec`). SWC compiles decorators with metadata for NestJS;
// the `@ledgerline/source` condition resolves workspace packages to their TypeScript sources.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['@ledgerline/source'] },
  ssr: { resolve: { conditions: ['@ledgerline/source'] } },
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
    reporters: ['default'],
  },
});
