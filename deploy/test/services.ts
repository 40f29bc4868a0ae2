import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './compose.js';

/** A service of the repository, as its package.json declares it (`"ledgerline": { service, database }`). */
export interface DiscoveredService {
  name: string;
  database: boolean;
}

/** services/*\/package.json with a `ledgerline.service` field: the same discovery the tooling uses. */
export function discoverServices(): DiscoveredService[] {
  const dir = `${REPO_ROOT}services/`;
  return readdirSync(dir)
    .filter((entry) => existsSync(`${dir}${entry}/package.json`))
    .flatMap((entry) => {
      const manifest = JSON.parse(readFileSync(`${dir}${entry}/package.json`, 'utf8')) as {
        ledgerline?: { service?: string; database?: boolean };
      };
      const service = manifest.ledgerline?.service;
      return service ? [{ name: service, database: manifest.ledgerline?.database === true }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Services whose compose service and chart block their authors add with the service itself (open
 * slots): a test fails when one of them appears, so take it off this list then.
 */
export const PENDING_DEPLOYMENT = new Set<string>([]);
