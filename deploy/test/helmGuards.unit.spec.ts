import { describe, expect, it } from 'vitest';
import { helm, type Manifest, renderChart } from './chart.js';
import { kubernetesProblems } from './kubeSchemas.js';

// Render-time `fail` guards: mistakes a real cluster would accept and then misbehave on.

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const deployment = (manifests: Manifest[], component: string) =>
  ofKind(manifests, 'Deployment').find(
    (d) => d.metadata.labels?.['app.kubernetes.io/component'] === component,
  )!;

describe('the strict validator itself', () => {
  const base = renderChart();
  const gateway = deployment(base, 'api-gateway');
  const hpa = ofKind(base, 'HorizontalPodAutoscaler')[0]!;

  it('accepts what the chart renders', () => {
    expect(kubernetesProblems(gateway)).toEqual([]);
    expect(kubernetesProblems(hpa)).toEqual([]);
  });

  it('rejects a misspelled field, a 25-character port name and an HPA with min > max', () => {
    const misspelled = structuredClone(gateway);
    const container = misspelled.spec.template.spec.containers[0];
    container.livenessprobe = container.livenessProbe;
    delete container.livenessProbe;
    expect(kubernetesProblems(misspelled).join('\n')).toMatch(/additional properties.*livenessprobe/i);

    const longPort = structuredClone(gateway);
    longPort.spec.template.spec.containers[0].ports[0].name = 'a-twenty-five-chars-name1';
    expect(kubernetesProblems(longPort).join('\n')).toMatch(/port name "a-twenty-five-chars-name1"/);

    const inverted = structuredClone(hpa);
    inverted.spec.minReplicas = 5;
    inverted.spec.maxReplicas = 2;
    expect(kubernetesProblems(inverted)).toContain('minReplicas 5 > maxReplicas 2');
  });
});

describe('helm template fails, naming the fix, when', () => {
  it('image.repository is not set (nothing publishes a default image)', () => {
    const { status, output } = helm(['template', 'ledgerline', '.']);
    expect(status).not.toBe(0);
    expect(output).toMatch(/image\.repository is required: build the image/);
  });

  it('an upgrade cannot read back the generated keys (Argo CD, Flux, --dry-run, no RBAC)', () => {
    expect(() => renderChart([], [], ['--is-upgrade'])).toThrow(
      /upgrade: KEY_ENCRYPTION_KEY is not set and the live Secret ledgerline could not be read/,
    );
    expect(() => renderChart([], [`secrets.keyEncryptionKey=${'b'.repeat(64)}`], ['--is-upgrade'])).toThrow(
      /upgrade: MESSAGE_SEAL_KEY is not set .* \(secrets\.messageSealKey/,
    );
    // Given keys, or a Secret managed elsewhere, upgrade fine.
    const keys = [`secrets.messageSealKey=${'a'.repeat(64)}`, `secrets.keyEncryptionKey=${'b'.repeat(64)}`];
    expect(renderChart([], keys, ['--is-upgrade']).length).toBeGreaterThan(10);
    expect(renderChart([], ['existingSecret=mine'], ['--is-upgrade']).length).toBeGreaterThan(10);
  });

  it('an HPA would have minReplicas > maxReplicas', () => {
    expect(() =>
      renderChart(
        [],
        ['services.identity.autoscaling.minReplicas=5', 'services.identity.autoscaling.maxReplicas=3'],
      ),
    ).toThrow(/services\.identity\.autoscaling: minReplicas \(5\) is greater than maxReplicas \(3\)/);
  });

  it('a PDB minAvailable would block every eviction (>= replicas), or both PDB fields are set', () => {
    const pdb = ['services.notifier.pdb.maxUnavailable=null'];
    expect(() => renderChart([], [...pdb, 'services.notifier.pdb.minAvailable=2'])).toThrow(
      /services\.notifier\.pdb: minAvailable \(2\) must be below the replica count \(2\)/,
    );
    expect(() =>
      renderChart(
        [],
        [
          ...pdb,
          'services.notifier.pdb.minAvailable=3',
          'services.notifier.autoscaling.enabled=false',
          'services.notifier.replicaCount=3',
        ],
      ),
    ).toThrow(/minAvailable \(3\) must be below the replica count \(3\)/);
    expect(() => renderChart([], ['services.notifier.pdb.minAvailable=1'])).toThrow(/not both/);
    // Below the replica count it renders.
    const ok = renderChart([], [...pdb, 'services.notifier.pdb.minAvailable=1']);
    expect(ofKind(ok, 'PodDisruptionBudget').some((p) => p.spec.minAvailable === 1)).toBe(true);
  });

  it('terminationGracePeriodSeconds is shorter than the preStop delay plus SHUTDOWN_TIMEOUT_MS', () => {
    expect(() =>
      renderChart(
        [],
        ['config.SHUTDOWN_TIMEOUT_MS=60000', 'serviceDefaults.terminationGracePeriodSeconds=30'],
      ),
    ).toThrow(
      /terminationGracePeriodSeconds \(30\) is shorter than preStopDelaySeconds \+ SHUTDOWN_TIMEOUT_MS \(65 s\)/,
    );
  });

  it('a service block sets Ingress annotations while one Ingress carries every path', () => {
    expect(() =>
      renderChart(
        [],
        ['services.webhooks.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=512k'],
      ),
    ).toThrow(/services\.webhooks\.ingress\.annotations apply to its own Ingress: set ingress\.single=false/);
  });
});

describe('termination', () => {
  it('derives the grace period from SHUTDOWN_TIMEOUT_MS and waits in preStop without a second process', () => {
    const manifests = renderChart([], ['config.SHUTDOWN_TIMEOUT_MS=60000']);
    for (const d of ofKind(manifests, 'Deployment')) {
      const pod = d.spec.template.spec;
      // 5 s preStop + 60 s drain + 5 s to exit.
      expect(pod.terminationGracePeriodSeconds, d.metadata.name).toBe(70);
      expect(pod.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
    }
    // A per-service SHUTDOWN_TIMEOUT_MS wins over config for that service only.
    const own = renderChart([], ['services.notifier.env.SHUTDOWN_TIMEOUT_MS=30000']);
    expect(deployment(own, 'notifier').spec.template.spec.terminationGracePeriodSeconds).toBe(40);
    expect(deployment(own, 'identity').spec.template.spec.terminationGracePeriodSeconds).toBe(20);
  });
});
