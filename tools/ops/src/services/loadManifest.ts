import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceManifest } from '@ledgerline/eventsourcing';
import { CliError } from '../errors.js';

// A service whose package.json does not export ./manifest yet has only the kernel's schemas.
const ABSENT_CODES = new Set(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_MODULE_NOT_FOUND']);

/**
 * A service's manifest, derived from its definition (`<package>/service`, default export of
 * defineService); a package without that export may still export `./manifest`. Undefined when
 * it has neither (a service with only the kernel's schemas).
 */
export async function loadServiceManifest(packageName: string): Promise<ServiceManifest | undefined> {
  return (
    (await loadPackageManifest(`${packageName}/service`)) ??
    (await loadPackageManifest(`${packageName}/manifest`))
  );
}

/** Imports a service's manifest (or definition) module; undefined when the package does not export it. */
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
  return await manifestOf(module, specifier);
}

/** Imports a manifest module given by path (tests, services outside the registry). */
export async function loadManifestFile(path: string): Promise<ServiceManifest> {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  try {
    return await manifestOf(await import(pathToFileURL(absolute).href), path);
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

/** The module's `manifest` export, else its default export (a manifest or a service definition). */
async function manifestOf(module: unknown, source: string): Promise<ServiceManifest> {
  const exports = module as { manifest?: unknown; default?: unknown };
  if ((exports.default as { kind?: unknown } | undefined)?.kind === 'ledgerline.service') {
    // Loaded only here: most commands never need the runtime (the CLI starts fast).
    const platform = await import('@ledgerline/platform');
    if (platform.isServiceDefinition(exports.default)) return platform.manifestOf(exports.default);
  }
  const candidate = (exports.manifest ?? exports.default) as Partial<ServiceManifest> | undefined;
  if (!candidate || typeof candidate.name !== 'string' || !Array.isArray(candidate.projections)) {
    throw new CliError(
      `${source} does not export a service manifest (export default defineService(…) or export const manifest = defineServiceManifest(…))`,
    );
  }
  return candidate as ServiceManifest;
}
