import { type ServiceManifest, schemasOf } from '@ledgerline/eventsourcing';
import { knownNames, knownService, knownServices } from '@ledgerline/platform/discover';
import type { Pool } from 'pg';
import { CliError } from '../errors.js';
import { loadManifestFile, loadServiceManifest } from './loadManifest.js';

/** A service a command works on: its name (schemas derive from it) and its manifest, if any. */
export interface ServiceTarget {
  name: string;
  /** Absent for a service without read models: only the kernel's event-store schema applies. */
  manifest?: ServiceManifest;
}

export interface SelectOptions {
  service?: string;
  /** A manifest module path; `service` then overrides its name (fresh schemas in tests). */
  manifest?: string;
  /** Accept a name outside the registry when its `<name>_es` schema exists (read-only commands). */
  pool?: Pool;
}

/**
 * The services a command runs on: the one named (or given by --manifest), else every service of the
 * workspace with a database. An unknown name is refused unless it has an event store already, so a typo
 * never creates schemas.
 */
export async function selectServices(options: SelectOptions): Promise<ServiceTarget[]> {
  if (options.manifest) {
    const manifest = await loadManifestFile(options.manifest);
    return [target(options.service ?? manifest.name, manifest)];
  }
  if (options.service) return [await selectOne(options.service, options.pool)];
  const withDatabase = knownServices().filter((s) => s.database);
  return Promise.all(withDatabase.map((s) => selectOne(s.name)));
}

/** Exactly one service, required by name (rebuild, tail). */
export async function selectService(name: string, options: Omit<SelectOptions, 'service'>) {
  const [selected] = await selectServices({ ...options, service: name });
  return selected!;
}

async function selectOne(name: string, pool?: Pool): Promise<ServiceTarget> {
  const known = knownService(name);
  if (known && !known.database) throw new CliError(`${name} has no database`);
  if (known) {
    const manifest = await loadServiceManifest(known.packageName);
    return target(name, manifest);
  }
  if (pool && (await hasEventStore(pool, name))) return target(name, undefined);
  throw new CliError(
    `unknown service "${name}" (known: ${knownNames()}); pass --manifest <module> for another service`,
  );
}

function target(name: string, manifest: ServiceManifest | undefined): ServiceTarget {
  try {
    schemasOf(name);
  } catch {
    throw new CliError(`invalid service name "${name}": lower-case letters, digits, - and _`);
  }
  return manifest ? { name, manifest } : { name };
}

async function hasEventStore(pool: Pool, name: string): Promise<boolean> {
  let schema: string;
  try {
    schema = schemasOf(name).eventStore;
  } catch {
    return false;
  }
  const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
  return rows.length > 0;
}
