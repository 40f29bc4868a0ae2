// `.env` loading shared by `npm run dev` (scripts/dev.mjs) and the ops CLI (bin/ledgerline.js), so
// both see the same configuration: the repository's `.env` fills in what the environment leaves
// unset; a variable already in the environment always wins (also when it is set to '').
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** The repository root's `.env` (next to `.env.example`). */
export const rootEnvFile = new URL('../../../.env', import.meta.url);

/**
 * Copies the variables of `file` that `env` does not have into `env`. Returns their names
 * (empty when the file does not exist).
 */
export function loadDotEnv(file = rootEnvFile, env = process.env) {
  if (!existsSync(file)) return [];
  const parsed = parseEnv(readFileSync(file, 'utf8'));
  const applied = Object.keys(parsed).filter((name) => env[name] === undefined);
  for (const name of applied) env[name] = parsed[name];
  return applied;
}
