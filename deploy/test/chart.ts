import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from './helmBinary.js';

export const CHART_DIR = fileURLToPath(new URL('../helm/ledgerline/', import.meta.url));
export const PRODUCTION_VALUES = `${CHART_DIR}values-production.yaml`;
/** The image is required (nothing publishes one): every render that is not about that sets it. */
export const IMAGE = 'image.repository=registry.example.com/ledgerline';

/** A rendered Kubernetes object, loosely typed: tests read it by path. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, checked by the strict schemas and by assertions
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  [field: string]: any;
}

export interface HelmResult {
  status: number;
  output: string;
}

/** Runs helm with the chart directory as cwd; never throws, the caller asserts on status/output. */
export function helm(args: string[]): HelmResult {
  const binary = helmBinary();
  // helm's own cache/config/data dirs beside the binary: nothing written to $HOME.
  const home = join(dirname(dirname(binary)), 'home');
  try {
    const output = execFileSync(binary, args, {
      cwd: CHART_DIR,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
    });
    return { status: 0, output };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    return { status: failed.status ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/**
 * `helm template` of the chart with values files and --set pairs, the required image repository
 * set to IMAGE; throws with helm's message. `extraArgs`: e.g. `--is-upgrade`.
 */
export function renderChart(
  valuesFiles: string[] = [],
  sets: string[] = [],
  extraArgs: string[] = [],
): Manifest[] {
  const args = ['template', 'ledgerline', '.', '--namespace', 'ledgerline', '--set', IMAGE, ...extraArgs];
  for (const file of valuesFiles) args.push('--values', file);
  for (const set of sets) args.push('--set', set);
  const { status, output } = helm(args);
  if (status !== 0) throw new Error(`helm template failed:\n${output}`);
  return parseAllDocuments(output)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null);
}
