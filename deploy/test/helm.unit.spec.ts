import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, helm, IMAGE, type Manifest, PRODUCTION_VALUES, renderChart } from './chart.js';
import { importServiceConfig } from './compose.js';
import { kubernetesProblems } from './kubeSchemas.js';

const COMPONENT = 'app.kubernetes.io/component';

interface ServiceBlock {
  enabled: boolean;
  kind: 'http' | 'worker';
  service?: string;
  port: number;
}

const valuesOf = (file: string) =>
  parse(readFileSync(file, 'utf8')) as { services: Record<string, ServiceBlock | null> };

/** The enabled service blocks of a values file: each must become a Deployment, Service, HPA, PDB. */
const enabledServices = (file: string) =>
  Object.entries(valuesOf(file).services).filter((entry): entry is [string, ServiceBlock] =>
    Boolean(entry[1]?.enabled),
  );

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const forComponent = (manifests: Manifest[], kind: string, component: string) =>
  ofKind(manifests, kind).filter((m) => m.metadata.labels?.[COMPONENT] === component);

// biome-ignore lint/suspicious/noExplicitAny: rendered container spec
type Container = any;
const podSpecs = (manifests: Manifest[]) => [
  ...[...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'Job')].map((m) => ({
    name: m.metadata.name,
    spec: m.spec.template.spec,
  })),
  ...ofKind(manifests, 'Pod').map((m) => ({ name: m.metadata.name, spec: m.spec })),
];
const envValue = (container: Container, name: string): string | undefined =>
  container.env?.find((e: { name: string }) => e.name === name)?.value;

const VARIANTS = [
  { name: 'default values', files: [] as string[], servicesFrom: `${CHART_DIR}values.yaml` },
  { name: 'production values', files: [PRODUCTION_VALUES], servicesFrom: PRODUCTION_VALUES },
];

describe('helm lint --strict', () => {
  for (const variant of VARIANTS) {
    it(`passes with ${variant.name}`, () => {
      const args = [
        'lint',
        '--strict',
        '.',
        '--set',
        IMAGE,
        ...variant.files.flatMap((f) => ['--values', f]),
      ];
      const { status, output } = helm(args);
      expect(output).toContain('0 chart(s) failed');
      expect(status, output).toBe(0);
    });
  }
});

describe.each(VARIANTS)('helm template with $name', ({ files, servicesFrom }) => {
  let manifests: Manifest[];
  beforeAll(() => {
    manifests = renderChart(files);
  });

  it('renders only objects that validate against the strict Kubernetes schemas', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      expect(kubernetesProblems(manifest), `${manifest.kind} ${manifest.metadata.name}`).toEqual([]);
    }
  });

  it('has a Deployment, Service, HPA and PDB per service, webhooks included', () => {
    const services = enabledServices(servicesFrom);
    expect(services.map(([key]) => key)).toEqual(expect.arrayContaining(['api-gateway', 'webhooks']));
    for (const [key] of services) {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
        expect(forComponent(manifests, kind, key), `${kind} for ${key}`).toHaveLength(1);
      }
      const hpa = forComponent(manifests, 'HorizontalPodAutoscaler', key)[0]!;
      const deployment = forComponent(manifests, 'Deployment', key)[0]!;
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
      const pdb = forComponent(manifests, 'PodDisruptionBudget', key)[0]!;
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  it('starts each Deployment with its entry point; webhooks is the gateway in webhooks-only mode', () => {
    for (const [key, block] of enabledServices(servicesFrom)) {
      const container = forComponent(manifests, 'Deployment', key)[0]!.spec.template.spec.containers[0];
      expect(envValue(container, 'SERVICE')).toBe(block.service ?? key);
      expect(envValue(container, block.kind === 'http' ? 'PORT' : 'HEALTH_PORT')).toBe(String(block.port));
    }
    const webhooks = forComponent(manifests, 'Deployment', 'webhooks')[0]!.spec.template.spec.containers[0];
    expect(envValue(webhooks, 'SERVICE')).toBe('api-gateway');
    expect(envValue(webhooks, 'WEBHOOKS_ONLY')).toBe('true');
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on the serving port', () => {
    for (const deployment of ofKind(manifests, 'Deployment')) {
      const container = deployment.spec.template.spec.containers[0];
      const portName = container.ports[0].name;
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: portName });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: portName });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: portName });
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
    }
  });

  it('runs every pod as non-root on a read-only root filesystem with a writable /tmp', () => {
    for (const { name, spec } of podSpecs(manifests)) {
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext.runAsUser, name).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, name).toBe(false);
      for (const container of spec.containers as Container[]) {
        expect(container.securityContext, name).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.volumeMounts, name).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
      expect(spec.volumes.find((v: { name: string }) => v.name === 'tmp')?.emptyDir, name).toBeDefined();
    }
  });

  it('routes / to the API and /webhooks to the webhooks Deployment through one Ingress', () => {
    const ingresses = ofKind(manifests, 'Ingress');
    expect(ingresses).toHaveLength(1);
    const routes = ingresses[0]!.spec.rules[0].http.paths.map(
      (p: { path: string; backend: { service: { name: string } } }) => [p.path, p.backend.service.name],
    );
    const serviceName = (component: string) =>
      forComponent(manifests, 'Service', component)[0]!.metadata.name;
    expect(routes).toEqual(
      expect.arrayContaining([
        ['/', serviceName('api-gateway')],
        ['/webhooks', serviceName('webhooks')],
      ]),
    );
  });

  it('denies inbound traffic by default and opens only the HTTP services (and monitored health ports)', () => {
    const policies = ofKind(manifests, 'NetworkPolicy');
    const denyAll = policies.find((p) => p.metadata.name.endsWith('-default-deny'));
    expect(denyAll?.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'ledgerline',
      'app.kubernetes.io/instance': 'ledgerline',
    });
    expect(denyAll?.spec.policyTypes).toContain('Ingress');
    expect(denyAll?.spec.ingress).toBeUndefined();
    for (const [key, block] of enabledServices(servicesFrom)) {
      const [policy] = forComponent(policies, 'NetworkPolicy', key);
      if (block.kind === 'http') {
        expect(policy?.spec.ingress[0].ports, key).toEqual([{ port: 'http', protocol: 'TCP' }]);
      } else if (policy) {
        // A worker opens only its health port, and only to the configured monitoring peers.
        expect(policy.spec.ingress[0].ports).toEqual([{ port: 'health', protocol: 'TCP' }]);
        expect(policy.spec.ingress[0].from.length).toBeGreaterThan(0);
      }
    }
  });

  it('migrates in a pre-install/pre-upgrade hook Job running `ledgerline migrate` (on the image PATH)', () => {
    const jobs = ofKind(manifests, 'Job');
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.metadata.annotations?.['helm.sh/hook']?.split(',')).toEqual(['pre-install', 'pre-upgrade']);
    expect(job.metadata.annotations?.['helm.sh/hook-output-log-policy']).toBe('hook-failed');
    expect(job.spec.template.spec.containers[0].command).toEqual(['ledgerline', 'migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });
});

describe('helm template: secrets', () => {
  it('renders a Secret holding every key the Deployments read, with generated 32-byte keys', () => {
    const manifests = renderChart();
    const secret = ofKind(manifests, 'Secret').find((s) => !s.metadata.annotations?.['helm.sh/hook']);
    expect(secret).toBeDefined();
    const refs = podSpecs(manifests).flatMap(({ spec }) =>
      (spec.containers as Container[]).flatMap((c) =>
        (c.env ?? []).flatMap((e: Container) =>
          e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [],
        ),
      ),
    );
    expect(refs.length).toBeGreaterThan(0);
    const job = ofKind(manifests, 'Job')[0]!;
    for (const ref of refs) {
      // The migration hook runs before the release's Secret exists, so it reads its own hook Secret.
      const holder = ofKind(manifests, 'Secret').find((s) => s.metadata.name === ref.name);
      expect(holder?.stringData, `${ref.name}/${ref.key}`).toHaveProperty(ref.key);
    }
    expect(job.spec.template.spec.containers[0].env).toContainEqual(
      expect.objectContaining({ name: 'DATABASE_URL' }),
    );
    expect(secret?.stringData.MESSAGE_SEAL_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(secret?.stringData.KEY_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(secret?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });

  it('with existingSecret renders no Secret and wires the named one everywhere', () => {
    const manifests = renderChart([], ['existingSecret=ledgerline-managed']);
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    const refs = podSpecs(manifests).flatMap(({ name, spec }) =>
      (spec.containers as Container[]).flatMap((c) =>
        (c.env ?? []).flatMap((e: Container) =>
          e.valueFrom?.secretKeyRef ? [{ pod: name, secret: e.valueFrom.secretKeyRef.name }] : [],
        ),
      ),
    );
    expect(refs.length).toBeGreaterThan(4);
    for (const ref of refs) expect(ref.secret, ref.pod).toBe('ledgerline-managed');
  });
});

describe('helm template: each Deployment gets the configuration its service needs', () => {
  const manifests = renderChart();
  const configMap = ofKind(manifests, 'ConfigMap')[0]!.data as Record<string, string>;
  const secret = ofKind(manifests, 'Secret').find((s) => !s.metadata.annotations?.['helm.sh/hook'])!
    .stringData as Record<string, string>;

  it.each(ofKind(manifests, 'Deployment').map((d) => [d.metadata.labels?.[COMPONENT], d] as const))(
    '%s',
    async (component, deployment) => {
      const container = deployment.spec.template.spec.containers[0];
      const env: Record<string, string> = { ...configMap };
      const fromSecret: string[] = [];
      for (const entry of container.env as Container[]) {
        if (entry.valueFrom?.secretKeyRef) fromSecret.push(entry.name);
        env[entry.name] = entry.valueFrom?.secretKeyRef
          ? secret[entry.valueFrom.secretKeyRef.key]
          : entry.value;
      }
      const { schema, load } = await importServiceConfig(env.SERVICE as string);
      // A Secret key the schema does not know is a typo in `secretEnv`.
      for (const name of fromSecret)
        expect(Object.keys(schema.shape), `${component}: ${name}`).toContain(name);
      for (const [key, field] of Object.entries(schema.shape)) {
        if (!field.safeParse(undefined).success)
          expect(env[key], `${component}: ${key} is required`).toBeTruthy();
      }
      expect(env.NATS_URL).not.toMatch(/127\.0\.0\.1|localhost/);
      expect(() => load(env), String(component)).not.toThrow();
    },
  );
});

describe('helm template: options', () => {
  it('renders the projection rebuild Job only on demand, and names what is missing', () => {
    expect(ofKind(renderChart(), 'Job').map((j) => j.metadata.name)).toEqual(['ledgerline-migrate']);
    const manifests = renderChart(
      [],
      [
        'projectionRebuild.enabled=true',
        'projectionRebuild.service=identity',
        'projectionRebuild.projection=usersList',
      ],
    );
    const rebuild = ofKind(manifests, 'Job').find((j) => !j.metadata.annotations?.['helm.sh/hook']);
    expect(rebuild?.spec.template.spec.containers[0].command).toEqual([
      'ledgerline',
      'projections',
      'rebuild',
      'identity',
      'usersList',
    ]);
    expect(() =>
      renderChart([], ['projectionRebuild.enabled=true', 'projectionRebuild.service=identity']),
    ).toThrow(/projectionRebuild.projection is required/);
  });

  it('slots a new service in with one values block (and the gateway waits for it)', () => {
    const manifests = renderChart(
      [],
      [
        'services.files.enabled=true',
        'services.files.kind=worker',
        'services.files.port=8081',
        'services.files.secretEnv={DATABASE_URL,S3_ACCESS_KEY_ID,S3_SECRET_ACCESS_KEY}',
      ],
    );
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(forComponent(manifests, kind, 'files'), kind).toHaveLength(1);
    }
    const gateway = forComponent(manifests, 'Deployment', 'api-gateway')[0]!.spec.template.spec.containers[0];
    expect(envValue(gateway, 'READY_SERVICES')?.split(',')).toEqual([
      'billing',
      'files',
      'identity',
      'notifier',
    ]);
  });

  it('turns autoscaling off into a fixed replica count without an HPA', () => {
    const manifests = renderChart(
      [],
      ['services.notifier.autoscaling.enabled=false', 'services.notifier.replicaCount=3'],
    );
    expect(forComponent(manifests, 'HorizontalPodAutoscaler', 'notifier')).toEqual([]);
    expect(forComponent(manifests, 'Deployment', 'notifier')[0]!.spec.replicas).toBe(3);
  });

  it('rejects values that break values.schema.json', () => {
    expect(() => renderChart([], ['services.identity.kind=daemon'])).toThrow(/schema/);
    expect(() => renderChart([], ['infrastructure.postgres.url=mysql://db/ledgerline'])).toThrow(/schema/);
    expect(() => renderChart([], ['serviceDefaults.replicaCount=0'])).toThrow(/schema/);
  });
});
