#!/usr/bin/env node
// Runs the ops CLI: the compiled dist/ when it was built (images, installs), else the TypeScript
// sources through tsx with the workspace's `@ledgerline/source` condition, so no build is needed
// in the repository.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadDotEnv } from './loadEnv.js';

// The repository's `.env`, as `npm run dev` reads it (variables already in the environment win).
loadDotEnv();

const compiled = new URL('../dist/main.js', import.meta.url);

if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  // The condition must reach every resolution, including the dynamic import() of manifests.
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, '@ledgerline/source'] }),
  });
  // The root tsconfig covers every workspace package (a service manifest may load decorated code).
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url)) });
  await import(new URL('../src/main.ts', import.meta.url).href);
}
