import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, helm, IMAGE, type Manifest, PRODUCTION_VALUES, renderChart } from './chart.js';
import { importServiceConfig } from './compose.js';
import { kubernetesProblems } from './kubeSchemas.js';
import { discoverServices, PENDING_DEPLOYMENT } from './services.js';

const COMPONENT = 'app.kubernetes.io/component';
const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const deployment = (manifests: Manifest[], component: string) =>
  ofKind(manifests, 'Deployment').find((d) => d.metadata.labels?.[COMPONENT] === component)!;
// biome-ignore lint/suspicious/noExplicitAny: rendered pod specs
const pods = (manifests: Manifest[]): { name: string; spec: any }[] => [
  ...[...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'Job')].map((m) => ({
    name: m.metadata.name,
    spec: m.spec.template.spec,
  })),
  ...ofKind(manifests, 'Pod').map((m) => ({ name: m.metadata.name, spec: m.spec })),
];
const expectValid = (manifests: Manifest[]) => {
  for (const m of manifests) expect(kubernetesProblems(m), `${m.kind} ${m.metadata.name}`).toEqual([]);
};

/** Every option at once, so the strict schemas see each rendered shape. */
const EVERYTHING = [
  'caBundle.secretName=db-ca',
  'extraEnvVarsSecret=ledgerline-extra',
  'priorityClassName=business-critical',
  'extraVolumes[0].name=spool',
  'extraVolumes[0].emptyDir.sizeLimit=1Gi',
  'extraVolumeMounts[0].name=spool',
  'extraVolumeMounts[0].mountPath=/var/spool/ledgerline',
  'networkPolicy.allowExternal=false',
  'networkPolicy.extraIngress[0].from[0].podSelector.matchLabels.role=probe',
  'networkPolicy.egress.enabled=true',
  'networkPolicy.egress.otel.namespaceSelector.matchLabels.name=observability',
  'networkPolicy.extraEgress[0].to[0].ipBlock.cidr=10.20.0.0/16',
  'networkPolicy.extraEgress[0].ports[0].port=5432',
  'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring',
  'ingress.single=false',
  'ingress.tls.enabled=true',
  'config.ROOT_PATH=/api',
  'jetstream.replicas=3',
  'projectionRebuild.enabled=true',
  'projectionRebuild.service=identity',
  'projectionRebuild.projection=usersList',
];

describe('helm template: every option together', () => {
  const manifests = renderChart([], EVERYTHING);

  it('validates against the strict Kubernetes schemas', () => {
    expect(manifests.length).toBeGreaterThan(15);
    expectValid(manifests);
  });

  it('mounts the private CA, extra volumes and the extra env Secret into every pod, with its PriorityClass', () => {
    const configMap = ofKind(manifests, 'ConfigMap')[0]!.data;
    expect(configMap.NODE_EXTRA_CA_CERTS).toBe('/etc/ledgerline/ca/ca.crt');
    for (const { name, spec } of pods(manifests)) {
      if (name.endsWith('-test-readyz')) continue;
      expect(spec.priorityClassName, name).toBe('business-critical');
      expect(spec.volumes, name).toContainEqual({ name: 'ca-bundle', secret: { secretName: 'db-ca' } });
      expect(spec.volumes, name).toContainEqual({ name: 'spool', emptyDir: { sizeLimit: '1Gi' } });
      const container = spec.containers[0];
      expect(container.volumeMounts, name).toContainEqual({
        name: 'ca-bundle',
        mountPath: '/etc/ledgerline/ca',
        readOnly: true,
      });
      expect(container.volumeMounts, name).toContainEqual({
        name: 'spool',
        mountPath: '/var/spool/ledgerline',
      });
      expect(container.envFrom, name).toContainEqual({ secretRef: { name: 'ledgerline-extra' } });
      // The migration hook runs before the ConfigMap exists: it gets NODE_EXTRA_CA_CERTS inline.
      const hasCa =
        container.envFrom.some((e: { configMapRef?: unknown }) => e.configMapRef) ||
        container.env.some((e: { name: string }) => e.name === 'NODE_EXTRA_CA_CERTS');
      expect(hasCa, name).toBe(true);
    }
  });

  it('prefixes the gateway probes and the helm test URL with ROOT_PATH (workers keep theirs)', () => {
    const gateway = deployment(manifests, 'api-gateway').spec.template.spec.containers[0];
    expect(gateway.livenessProbe.httpGet.path).toBe('/api/healthz');
    expect(gateway.readinessProbe.httpGet.path).toBe('/api/readyz');
    const identity = deployment(manifests, 'identity').spec.template.spec.containers[0];
    expect(identity.readinessProbe.httpGet.path).toBe('/readyz');
    const test = ofKind(manifests, 'Pod')[0]!;
    expect(test.spec.containers[0].command.join(' ')).toContain(
      'http://ledgerline-api-gateway:80/api/readyz',
    );
  });

  it('renders one Ingress per HTTP service when single is off', () => {
    const ingresses = ofKind(manifests, 'Ingress');
    expect(ingresses.map((i) => i.metadata.labels?.[COMPONENT]).sort()).toEqual(['api-gateway', 'webhooks']);
  });

  it('admits only the ingress controller, client-labelled pods and extraIngress when allowExternal is off', () => {
    const policy = ofKind(manifests, 'NetworkPolicy').find(
      (p) => p.metadata.labels?.[COMPONENT] === 'api-gateway',
    )!;
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: { matchLabels: { 'ledgerline-client': 'true' } } },
    ]);
    expect(policy.spec.ingress[1]).toEqual({ from: [{ podSelector: { matchLabels: { role: 'probe' } } }] });
    const test = ofKind(manifests, 'Pod')[0]!;
    expect(test.metadata.labels?.['ledgerline-client']).toBe('true');
  });

  it('selects NATS and the collector by namespace and pod labels, never by ipBlock', () => {
    const deny = ofKind(manifests, 'NetworkPolicy').find((p) => p.metadata.name.endsWith('-default-deny'))!;
    const egress = deny.spec.egress as { to?: Record<string, unknown>[]; ports?: { port: number }[] }[];
    const rule = (port: number) => egress.find((r) => r.ports?.some((p) => p.port === port));
    expect(rule(4222)?.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nats' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nats' } },
      },
    ]);
    expect(rule(4318)?.to).toEqual([{ namespaceSelector: { matchLabels: { name: 'observability' } } }]);
    expect(rule(5432)?.to).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
    expect(JSON.stringify(egress)).not.toContain('10.0.0.0/8');
  });
});

describe('helm template: defaults that work on real clusters', () => {
  const manifests = renderChart();
  const configMap = ofKind(manifests, 'ConfigMap')[0]!.data as Record<string, string>;
  const secret = ofKind(manifests, 'Secret').find((s) => !s.metadata.annotations?.['helm.sh/hook'])!;

  it('admits any ingress controller or load balancer (allowExternal) to the HTTP services only', () => {
    const policies = ofKind(manifests, 'NetworkPolicy');
    const http = policies.filter((p) =>
      ['api-gateway', 'webhooks'].includes(p.metadata.labels?.[COMPONENT] ?? ''),
    );
    expect(http).toHaveLength(2);
    for (const p of http) expect(p.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  it('trusts the private-range proxies by default, in a form the gateway accepts', async () => {
    expect(configMap.TRUSTED_PROXIES).toContain('10.0.0.0/8');
    const { load } = await importServiceConfig('api-gateway');
    const config = load({ ...configMap, NODE_ENV: 'test' }) as { TRUSTED_PROXIES: string[] };
    expect(config.TRUSTED_PROXIES.length).toBeGreaterThanOrEqual(4);
  });

  it('keeps NATS_URL (it may carry credentials) in the Secret, not the ConfigMap', () => {
    expect(configMap.NATS_URL).toBeUndefined();
    expect(secret.stringData.NATS_URL).toBe('nats://nats:4222');
    for (const d of ofKind(manifests, 'Deployment')) {
      const env = d.spec.template.spec.containers[0].env as { name: string; valueFrom?: unknown }[];
      expect(env.find((e) => e.name === 'NATS_URL')?.valueFrom, d.metadata.name).toBeDefined();
    }
  });

  it('sets JetStream replicas and limits from values (3 replicas in the production example)', () => {
    expect([configMap.JETSTREAM_REPLICAS, configMap.JETSTREAM_MAX_AGE_SECONDS]).toEqual(['1', '0']);
    const production = ofKind(renderChart([PRODUCTION_VALUES]), 'ConfigMap')[0]!.data;
    expect(production.JETSTREAM_REPLICAS).toBe('3');
    expect(Number(production.JETSTREAM_MAX_AGE_SECONDS)).toBeGreaterThan(0);
  });

  it('has a helm test pod that GETs the gateway /readyz through its Service', () => {
    const [test] = ofKind(manifests, 'Pod');
    expect(test?.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const command = test!.spec.containers[0].command as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('http://ledgerline-api-gateway:80/readyz');
    expect(ofKind(renderChart([], ['tests.enabled=false']), 'Pod')).toEqual([]);
  });
});

describe('helm template: the services of the repository', () => {
  it('runs every service services/*/package.json declares (files and billing: open slots)', () => {
    const entryPoints = ofKind(renderChart(), 'Deployment').map(
      (d) => d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'SERVICE').value,
    );
    const expected = discoverServices()
      .map((s) => s.name)
      .filter((name) => !PENDING_DEPLOYMENT.has(name));
    expect([...new Set(entryPoints)].sort()).toEqual(expected);
  });
});

describe('NOTES.txt', () => {
  const notes = (sets: string[]) => {
    const args = [
      'install',
      'ledgerline',
      '.',
      '--dry-run=client',
      '--namespace',
      'ledgerline',
      '--set',
      IMAGE,
    ];
    const { status, output } = helm([...args, ...sets.flatMap((s) => ['--set', s])]);
    expect(status, output).toBe(0);
    return output.slice(output.indexOf('NOTES:'));
  };

  it('prints the webhooks URL only when webhooks are enabled', () => {
    expect(notes([])).toMatch(/webhooks:\s+http:\/\/ledgerline\.example\.com\/webhooks/);
    const without = notes(['services.webhooks.enabled=false']);
    expect(without).toMatch(/api-gateway:\s+http:\/\/ledgerline\.example\.com\//);
    expect(without).not.toContain('/webhooks');
  });
});

describe('ci/ values for `ct lint-and-install`', () => {
  const files = readdirSync(`${CHART_DIR}ci`).filter((f) => f.endsWith('-values.yaml'));

  it.each(files)('%s lints strictly and renders valid objects', (file) => {
    const path = `${CHART_DIR}ci/${file}`;
    const lint = helm(['lint', '--strict', '.', '--values', path]);
    expect(lint.status, lint.output).toBe(0);
    const { status, output } = helm(['template', 'ledgerline', '.', '--values', path]);
    expect(status, output).toBe(0);
    expectValid(renderChart([path]));
  });

  it('has the infrastructure they point at, in valid objects (deploy/kind/infrastructure.yaml)', () => {
    const text = readFileSync(new URL('../kind/infrastructure.yaml', import.meta.url), 'utf8');
    const objects = parseAllDocuments(text).map((d) => d.toJS() as Manifest);
    expectValid(objects);
    const services = ofKind(objects, 'Service').map((s) => `${s.metadata.name}.${s.metadata.namespace}`);
    for (const file of files) {
      const urls =
        readFileSync(`${CHART_DIR}ci/${file}`, 'utf8').match(/[a-z]+\.ledgerline-ci(?=\.svc)/g) ?? [];
      expect(urls.length, file).toBeGreaterThan(0);
      for (const host of urls) expect(services, `${file}: ${host}`).toContain(host);
    }
  });
});
