import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyServiceDefinition } from './types.js';

/** A service found in the workspace: its package.json names it (`"ledgerline": { "service" }`). */
export interface KnownService {
  name: string;
  /** The npm package name; its `./service` export is the service definition. */
  packageName: string;
  database: boolean;
  /** Absolute path of the service's folder. */
  dir: string;
  /** The package exports `./service` (a runtime service); the gateway does not. */
  hasDefinition: boolean;
}

// src/runtime/discover.ts and dist/runtime/discover.js both sit four levels below the root.
const DEFAULT_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Every service of the workspace, by name: each `services/*\/package.json` with a
 * `ledgerline.service` field. No hand-kept list: a new service is found by its package.json.
 */
export function discoverServices(root: string = DEFAULT_ROOT): KnownService[] {
  const servicesDir = join(root, 'services');
  let entries: string[];
  try {
    entries = readdirSync(servicesDir);
  } catch {
    return [];
  }
  const found: KnownService[] = [];
  for (const entry of entries.sort()) {
    const dir = join(servicesDir, entry);
    let pkg: {
      name?: string;
      exports?: Record<string, unknown>;
      ledgerline?: { service?: unknown; database?: unknown };
    };
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue; // not a package
    }
    const service = pkg.ledgerline?.service;
    if (typeof service !== 'string' || typeof pkg.name !== 'string') continue;
    found.push({
      name: service,
      packageName: pkg.name,
      database: pkg.ledgerline?.database === true,
      dir,
      hasDefinition: pkg.exports?.['./service'] !== undefined,
    });
  }
  return found;
}

let cached: KnownService[] | undefined;

/** The workspace's services (discovered once per process). */
export const knownServices = (): readonly KnownService[] => {
  cached ??= discoverServices();
  return cached;
};

export const knownService = (name: string): KnownService | undefined =>
  knownServices().find((s) => s.name === name);

export const knownNames = (): string =>
  knownServices()
    .map((s) => s.name)
    .join(', ');

/**
 * Imports a service's definition: the default export of `<package>/service`. Undefined for a
 * service that has no definition (the gateway, which is not a runtime service).
 */
export async function loadServiceDefinition(
  service: KnownService,
): Promise<AnyServiceDefinition | undefined> {
  if (!service.hasDefinition) return undefined;
  const module: { default?: unknown } = await import(`${service.packageName}/service`);
  const definition = module.default as { kind?: unknown } | undefined;
  if (definition?.kind !== 'ledgerline.service') {
    throw new Error(`${service.packageName}/service does not export default defineService(…)`);
  }
  return definition as AnyServiceDefinition;
}
