import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceManifest } from '@ledgerline/eventsourcing';
import { CliError } from '../errors.js';

// A service whose package.json does not export ./manifest yet has only the kernel's schemas.
const ABSENT_CODES = new Set(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_MODULE_NOT_FOUND']);

/** Imports a service's manifest from its package (`@ledgerline/<svc>/manifest`); undefined when absent. */
export async function loadPackageManifest(specifier: string): Promise<ServiceManifest | undefined> {
  let module: unknown;
  try {
    module = await import(specifier);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Only the manifest itself missing counts as absent; a broken import inside it is a real error.
    if (typeof code === 'string' && ABSENT_CODES.has(code) && mentionsManifest(error, specifier)) {
      return undefined;
    }
    throw error;
  }
  return manifestOf(module, specifier);
}

/** Imports a manifest module given by path (tests, services outside the registry). */
export async function loadManifestFile(path: string): Promise<ServiceManifest> {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  try {
    return manifestOf(await import(pathToFileURL(absolute).href), path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot load manifest ${path}: ${(error as Error).message}`);
  }
}

const mentionsManifest = (error: unknown, specifier: string): boolean => {
  const message = (error as Error).message ?? '';
  const packageName = specifier.split('/').slice(0, 2).join('/');
  return message.includes(specifier) || message.includes(packageName) || message.includes('manifest');
};

/** The module's `manifest` export, else its default export, checked for the manifest's shape. */
function manifestOf(module: unknown, source: string): ServiceManifest {
  const exports = module as { manifest?: unknown; default?: unknown };
  const candidate = (exports.manifest ?? exports.default) as Partial<ServiceManifest> | undefined;
  if (!candidate || typeof candidate.name !== 'string' || !Array.isArray(candidate.projections)) {
    throw new CliError(
      `${source} does not export a service manifest (export const manifest = defineServiceManifest(…))`,
    );
  }
  return candidate as ServiceManifest;
}
