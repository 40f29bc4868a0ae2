import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ComposeService,
  dependenciesOf,
  environmentOf,
  importServiceConfig,
  interpolate,
  loadCompose,
  publishedPorts,
  REPO_ROOT,
} from './compose.js';
import { discoverServices, PENDING_DEPLOYMENT } from './services.js';

const compose = loadCompose();
const services = Object.entries(compose.services);
const INFRASTRUCTURE_FOR_DEV = ['postgres', 'nats', 'redis', 'minio', 'mailpit'];

/** Ledgerline processes: built from the Dockerfile. The one-shot migrate runs the ops CLI. */
const isLedgerline = (service: ComposeService) => service.build !== undefined;
const runsOpsCli = (service: ComposeService) => [service.command ?? []].flat()[0] === 'ledgerline';
const appServices = services.filter(([, s]) => isLedgerline(s) && !runsOpsCli(s));
/** The gateway image again as the Stripe webhook ingress: SERVICE=api-gateway, WEBHOOKS_ONLY=true. */
const isWebhookIngress = (service: ComposeService) => environmentOf(service).WEBHOOKS_ONLY === 'true';

// A default pointing at the loopback address means "a server on this machine": inside a
// container that is the container itself, so compose must set the variable.
const LOOPBACK = /\b127\.0\.0\.1\b|\blocalhost:(5432|4222|6379|1025)\b/;

describe('interpolate', () => {
  it('follows compose: defaults, required variables and $$', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose syntax, not a JS template
    expect(interpolate('${A:-x}-${B-y}-$$HOME', { B: '' })).toBe('x--$HOME');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose syntax, not a JS template
    expect(() => interpolate('${SECRET:?set it}', {})).toThrow(/SECRET must be set/);
  });
});

describe('docker-compose.yml', () => {
  it('has the infrastructure and every service of the repository', () => {
    const names = services.map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining([...INFRASTRUCTURE_FOR_DEV, 'minio-init', 'otel', 'kurrentdb', 'migrate']),
    );
    // Every service services/*/package.json declares, except the open slots of PENDING_DEPLOYMENT.
    const expected = discoverServices()
      .map((s) => s.name)
      .filter((name) => !PENDING_DEPLOYMENT.has(name));
    expect(expected).toEqual(expect.arrayContaining(['api-gateway', 'identity', 'notifier']));
    // Once each, the webhook ingress aside (the gateway's second process, checked below).
    const entryPoints = appServices
      .filter(([, s]) => !isWebhookIngress(s))
      .map(([, s]) => environmentOf(s).SERVICE);
    expect(entryPoints.sort()).toEqual(expected);
    expect(compose.services.kurrentdb?.profiles).toEqual(['kurrent']);
  });

  it('is valid for Compose v1.29 and v2: no top-level `name`, only keys both know', () => {
    const raw = parse(readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8')) as Record<string, unknown>;
    const known = new Set(['services', 'volumes', 'networks', 'configs', 'secrets']);
    const unknown = Object.keys(raw).filter((key) => !known.has(key) && !key.startsWith('x-'));
    expect(unknown).toEqual([]);
  });

  it('runs migrate with the `ledgerline` command on the image PATH', () => {
    expect(compose.services.migrate?.command).toEqual(['ledgerline', 'migrate']);
  });

  it('gives every service a health check, unless it is a one-shot something waits for', () => {
    const awaitedOneShots = new Set(
      services.flatMap(([, s]) =>
        Object.entries(dependenciesOf(s))
          .filter(([, dep]) => dep.condition === 'service_completed_successfully')
          .map(([name]) => name),
      ),
    );
    for (const [name, service] of services) {
      const healthcheck = service.healthcheck;
      const checked =
        healthcheck !== undefined && healthcheck.disable !== true && healthcheck.test !== undefined;
      const oneShot = service.restart === 'no' && awaitedOneShots.has(name);
      expect(checked || oneShot, `${name}: no healthcheck and not an awaited one-shot`).toBe(true);
      if (service.restart === 'no')
        expect(awaitedOneShots.has(name), `${name}: one-shot nobody waits for`).toBe(true);
    }
  });

  it('waits only on what can report: service_healthy targets have health checks', () => {
    for (const [name, service] of services) {
      for (const [target, dep] of Object.entries(dependenciesOf(service))) {
        expect(compose.services[target], `${name} depends on unknown ${target}`).toBeDefined();
        if (dep.condition === 'service_healthy')
          expect(compose.services[target]?.healthcheck, target).toBeDefined();
        expect(dep.condition, `${name} → ${target} needs a condition`).toBeDefined();
      }
    }
  });

  it('starts the Ledgerline services after healthy infrastructure and a successful migrate', () => {
    for (const [name, service] of appServices) {
      const deps = dependenciesOf(service);
      expect(deps.migrate?.condition, name).toBe('service_completed_successfully');
      for (const infra of ['postgres', 'nats', 'redis'])
        expect(deps[infra]?.condition, name).toBe('service_healthy');
    }
    expect(compose.services.migrate?.restart).toBe('no');
  });

  it('pins every image to a version (a tag other than latest, or a digest)', () => {
    for (const [name, service] of services) {
      const image = service.image;
      expect(image, `${name} has no image`).toBeTruthy();
      const [reference = '', digest] = (image as string).split('@');
      const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
      if (digest) {
        expect(digest, name).toMatch(/^sha256:[a-f0-9]{64}$/);
        continue;
      }
      expect(tag, `${name}: ${image} has no tag`).toBeTruthy();
      expect(tag, `${name}: ${image}`).not.toBe('latest');
      // Pulled images carry a version; images built here only need a fixed local tag.
      if (!isLedgerline(service)) expect(tag, `${name}: ${image} is not a version`).toMatch(/\d/);
    }
  });

  it('runs the webhook ingress: the gateway image with WEBHOOKS_ONLY=true on its own port, health-checked', () => {
    const ingresses = appServices.filter(([, s]) => isWebhookIngress(s));
    expect(ingresses.map(([name]) => name)).toEqual(['webhooks']);
    const webhooks = compose.services.webhooks as ComposeService;
    const gateway = compose.services['api-gateway'] as ComposeService;
    const env = environmentOf(webhooks);
    expect(env.SERVICE).toBe('api-gateway');
    expect(webhooks.image).toBe(gateway.image);
    // The ingress refuses to start without a signing secret.
    expect(env.STRIPE_WEBHOOK_SECRETS, 'webhooks: STRIPE_WEBHOOK_SECRETS').toBeTruthy();
    // Its own port, published, and the one the image's HEALTHCHECK probes (the gateway's PORT).
    expect(env.PORT).toBeTruthy();
    expect(env.PORT).not.toBe(environmentOf(gateway).PORT ?? '3000');
    expect(publishedPorts(webhooks)).toEqual([`${env.PORT}/tcp`]);
    expect(webhooks.healthcheck).toEqual(gateway.healthcheck);
    expect(environmentOf(gateway).WEBHOOKS_ONLY ?? 'false').toBe('false');
  });

  it('publishes no host port twice', () => {
    const owners = new Map<string, string>();
    for (const [name, service] of services) {
      for (const port of publishedPorts(service)) {
        expect(owners.get(port), `${name} and ${owners.get(port)} both publish ${port}`).toBeUndefined();
        owners.set(port, name);
      }
    }
    expect(owners.get('5432/tcp')).toBe('postgres');
    expect(owners.get('3000/tcp')).toBe('api-gateway');
  });

  it('brings up only infrastructure for `docker compose up -d postgres nats redis minio mailpit`', () => {
    const closure = new Set<string>();
    const visit = (name: string) => {
      if (closure.has(name)) return;
      closure.add(name);
      for (const dep of Object.keys(dependenciesOf(compose.services[name] ?? {}))) visit(dep);
    };
    for (const name of INFRASTRUCTURE_FOR_DEV) visit(name);
    expect([...closure].sort()).toEqual([...INFRASTRUCTURE_FOR_DEV].sort());
    for (const name of closure) expect(isLedgerline(compose.services[name] ?? {}), name).toBe(false);
  });
});

describe('docker-compose.yml: each service gets the configuration its schema needs', () => {
  it.each(appServices.map(([name, service]) => [name, service] as const))('%s', async (name, service) => {
    const env = environmentOf(service);
    const serviceName = env.SERVICE;
    expect(serviceName, `${name} sets no SERVICE`).toBeTruthy();
    const { schema, load } = await importServiceConfig(serviceName as string);

    for (const [key, field] of Object.entries(schema.shape)) {
      const unset = field.safeParse(undefined);
      if (!unset.success) expect(env[key], `${name}: ${key} is required without a default`).toBeTruthy();
      if (unset.success && typeof unset.data === 'string' && LOOPBACK.test(unset.data)) {
        expect(
          env[key],
          `${name}: ${key} defaults to ${unset.data}, unreachable from a container`,
        ).toBeTruthy();
      }
    }
    // A name the schema does not know is a typo (zod would drop it silently).
    const known = new Set([...Object.keys(schema.shape), 'SERVICE']);
    for (const key of Object.keys(env))
      expect(known.has(key), `${name}: ${key} is not in its config schema`).toBe(true);
    // The service's own loader accepts it, production-only rules (secrets) included.
    expect(() => load(env), name).not.toThrow();
  });

  it('runs migrate against the database and NATS the services use', async () => {
    const migrate = compose.services.migrate as ComposeService;
    expect(runsOpsCli(migrate)).toBe(true);
    const env = environmentOf(migrate);
    const { opsDefaults } = (await import(`${REPO_ROOT}tools/ops/src/config.ts`)) as {
      opsDefaults: (env: Record<string, string>) => Record<string, string>;
    };
    for (const [option, value] of Object.entries(opsDefaults(env))) {
      expect(value, `migrate: ${option} falls back to ${value}`).not.toMatch(LOOPBACK);
    }
    for (const [name, service] of appServices) {
      expect(environmentOf(service).DATABASE_URL, name).toBe(env.DATABASE_URL);
      expect(environmentOf(service).NATS_URL, name).toBe(env.NATS_URL);
    }
  });
});
