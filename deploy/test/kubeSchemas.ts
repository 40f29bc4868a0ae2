import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The STRICT Kubernetes JSON schemas (`additionalProperties: false` everywhere), vendored from
 * yannh/kubernetes-json-schema's `v1.32.2-standalone-strict` for the kinds the chart renders: a
 * misspelled `livenessprobe` or a stray key fails here. (kubernetes-models, used before, is lenient.)
 * To add a kind, copy its `<kind>-<group>-<version>.json` from the same folder of that repository.
 */
export const KUBERNETES_VERSION = 'v1.32.2';
const SCHEMA_DIR = fileURLToPath(
  new URL(`./json-schema/${KUBERNETES_VERSION}-standalone-strict/`, import.meta.url),
);

/** yannh's file name for an apiVersion + kind: `deployment-apps-v1.json`, `configmap-v1.json`. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion];
  const groupPart = group ? `-${group.split('.')[0]}` : '';
  return `${kind.toLowerCase()}${groupPart}-${version}.json`;
}

// Formats (int32, date-time, …) and the x-kubernetes-* keywords are not what these tests are about.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(apiVersion: string, kind: string): ValidateFunction {
  const file = schemaFileName(apiVersion, kind);
  let validate = compiled.get(file);
  if (!validate) {
    const path = `${SCHEMA_DIR}${file}`;
    if (!existsSync(path)) throw new Error(`no vendored strict schema for ${apiVersion} ${kind} (${file})`);
    validate = ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
    compiled.set(file, validate);
  }
  return validate;
}

// Rules of the API server that the OpenAPI schemas do not carry.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/; // IANA_SVC_NAME
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// Objects whose name must be a DNS label (63), not only a subdomain (253).
const LABEL_NAMED = new Set(['Service', 'Namespace']);

// biome-ignore lint/suspicious/noExplicitAny: walks arbitrary rendered objects
type Json = any;

function apiServerRules(manifest: Json): string[] {
  const problems: string[] = [];
  const { kind, metadata = {}, spec = {} } = manifest;
  const name: string = metadata.name ?? '';
  const nameRule = LABEL_NAMED.has(kind) ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!nameRule.test(name) || name.length > (LABEL_NAMED.has(kind) ? 63 : 253)) {
    problems.push(`metadata.name "${name}" is not a valid ${kind} name`);
  }
  for (const labels of [metadata.labels, spec.template?.metadata?.labels, spec.selector?.matchLabels]) {
    for (const [key, value] of Object.entries(labels ?? {})) {
      if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
        problems.push(`label ${key}: "${value}" is not a valid label value`);
      }
    }
  }
  const podSpec = kind === 'Pod' ? spec : spec.template?.spec;
  for (const container of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
    if (!DNS_LABEL.test(container.name ?? '')) problems.push(`container name "${container.name}"`);
    for (const port of container.ports ?? []) {
      if (port.name !== undefined && !PORT_NAME.test(port.name)) {
        problems.push(
          `container ${container.name}: port name "${port.name}" (at most 15 characters, IANA_SVC_NAME)`,
        );
      }
    }
    const envNames = (container.env ?? []).map((e: Json) => e.name);
    const duplicate = envNames.find((n: string, i: number) => envNames.indexOf(n) !== i);
    if (duplicate) problems.push(`container ${container.name}: env ${duplicate} set twice`);
  }
  for (const port of kind === 'Service' ? (spec.ports ?? []) : []) {
    if (port.name !== undefined && !PORT_NAME.test(port.name))
      problems.push(`service port name "${port.name}"`);
  }
  if (kind === 'HorizontalPodAutoscaler' && (spec.minReplicas ?? 1) > spec.maxReplicas) {
    problems.push(`minReplicas ${spec.minReplicas} > maxReplicas ${spec.maxReplicas}`);
  }
  if (
    kind === 'PodDisruptionBudget' &&
    spec.minAvailable !== undefined &&
    spec.maxUnavailable !== undefined
  ) {
    problems.push('minAvailable and maxUnavailable are mutually exclusive');
  }
  return problems;
}

/**
 * Validates one rendered object against its strict schema and the API server's naming rules;
 * returns the problems (empty = valid).
 */
export function kubernetesProblems(manifest: Json): string[] {
  const validate = validatorFor(manifest.apiVersion, manifest.kind);
  const schemaProblems = validate(manifest)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  return [...schemaProblems, ...apiServerRules(manifest)];
}
