import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HealthCheck {
  test?: string[] | string;
  disable?: boolean;
}
export interface DependsOn {
  condition?: 'service_started' | 'service_healthy' | 'service_completed_successfully';
}
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { published?: string | number; protocol?: string })[];
  healthcheck?: HealthCheck;
  depends_on?: Record<string, DependsOn> | string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/**
 * Compose's variable interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `$VAR`, `$$`; no nested defaults), against `env` — by default an empty one: the file must work
 * without a `.env`.
 */
export function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const current = env[name];
      const unset = operator?.startsWith(':') ? !current : current === undefined;
      if (!unset || operator === undefined) return current ?? '';
      if (operator.endsWith('?')) throw new Error(`${name} must be set: ${argument}`);
      return interpolate(argument ?? '', env);
    },
  );
}

function interpolateDeep(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

/** docker-compose.yml with merge keys (`<<: *anchor`) resolved and variables interpolated. */
export function loadCompose(env: Record<string, string> = {}): ComposeFile {
  const text = readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8');
  return interpolateDeep(parse(text, { merge: true }), env) as ComposeFile;
}

/** A service's environment as strings, whichever of the two syntaxes it uses. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, String(value)]),
  );
}

export function dependenciesOf(service: ComposeService): Record<string, DependsOn> {
  const deps = service.depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((name) => [name, {}])) : deps;
}

/** Host ports a service publishes, as `port/protocol`. */
export function publishedPorts(service: ComposeService): string[] {
  return (service.ports ?? []).flatMap((entry) => {
    if (typeof entry === 'object') {
      return entry.published === undefined ? [] : [`${entry.published}/${entry.protocol ?? 'tcp'}`];
    }
    const [spec, protocol = 'tcp'] = String(entry).split('/');
    const parts = (spec ?? '').split(':');
    // "3000" publishes nothing fixed; "3000:3000" and "127.0.0.1:3000:3000" publish the first port.
    if (parts.length < 2) return [];
    return [`${parts[parts.length - 2]}/${protocol}`];
  });
}

/** What a service's config module exports that these tests use. */
export interface ConfigModule {
  schema: { shape: Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }> };
  load: (env: Record<string, string>) => unknown;
}

/**
 * Imports services/<name>/src/config.ts and finds its configuration schema (the zod object exported
 * as `…Config` or `…ConfigSchema`) and its `load…Config(env)`, without knowing their names. A
 * service built on the runtime (`defineService`) exports only its own variables: the runtime's
 * (DATABASE_URL, NATS_URL, …) are added from the platform's light config entry point, and the
 * runtime's `loadServiceConfig` stands in for a missing loader. Never the service graph.
 */
export async function importServiceConfig(service: string): Promise<ConfigModule> {
  const file = `${REPO_ROOT}services/${service}/src/config.ts`;
  if (!existsSync(file)) throw new Error(`${file} does not exist: is SERVICE=${service} a service?`);
  const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const values = Object.entries(exports);
  const own = values.find(
    ([name, value]) =>
      /Config(Schema)?$/.test(name) &&
      typeof value === 'object' &&
      value !== null &&
      'shape' in value &&
      'extend' in value,
  )?.[1] as (ConfigModule['schema'] & { extend?: unknown }) | undefined;
  if (!own) throw new Error(`${file} exports no zod configuration schema (…Config or …ConfigSchema)`);
  const platform = (await import(
    pathToFileURL(`${REPO_ROOT}packages/platform/src/config/index.ts`).href
  )) as PlatformConfig;
  const schema = platform.runtimeConfigSchema.extend(own.shape);
  const load =
    (values.find(([name, value]) => /^load\w*Config$/.test(name) && typeof value === 'function')?.[1] as
      | ConfigModule['load']
      | undefined) ??
    ((env: Record<string, string>) => platform.loadServiceConfig({ name: service, config: own }, env));
  return { schema, load };
}

interface PlatformConfig {
  runtimeConfigSchema: { extend(shape: ConfigModule['schema']['shape']): ConfigModule['schema'] };
  loadServiceConfig(spec: { name: string; config: unknown }, env: Record<string, string>): unknown;
}
