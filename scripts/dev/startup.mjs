// The decisions of `npm run dev` / `turbo dev` that need no process or socket: which services to
// start, whether compose can provide what is missing, what /readyz?full says, the banner.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The compose file's infrastructure services, in the order `docker compose up -d` gets them. */
export const COMPOSE_SERVICES = ['postgres', 'nats', 'redis', 'minio', 'mailpit'];
// Where compose publishes them (docker-compose.yml binds 127.0.0.1).
const COMPOSE_PORTS = { postgres: 5432, nats: 4222, redis: 6379 };
const DEFAULT_PORTS = { postgres: 5432, nats: 4222, redis: 6379, smtp: 25 };
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Services with `ledgerline.service` and a `dev` script in services/*\/package.json, by name. */
export function devServices(root) {
  const servicesDir = join(root, 'services');
  return readdirSync(servicesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join(servicesDir, entry.name);
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      const name = manifest.ledgerline?.service;
      const script = manifest.scripts?.dev;
      return typeof name === 'string' && typeof script === 'string' ? [{ name, dir, script }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** host:port of a URL, with the scheme's default port; undefined when it does not parse. */
export function endpointOf(url, kind) {
  try {
    const first = url.split(',')[0].trim();
    const parsed = new URL(first.includes('://') ? first : `${kind}://${first}`);
    return { host: parsed.hostname, port: Number(parsed.port || DEFAULT_PORTS[kind]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether `docker compose up` would bring what is missing: every missing piece (postgres, nats,
 * redis) is configured on this machine at the port compose publishes it on.
 */
export function composeCanProvide(missing, urls) {
  return (
    missing.length > 0 &&
    missing.every((kind) => {
      const endpoint = endpointOf(urls[kind], kind);
      return endpoint !== undefined && LOOPBACK.has(endpoint.host) && endpoint.port === COMPOSE_PORTS[kind];
    })
  );
}

/**
 * What one poll of GET /readyz?full said: ready, or why not (the failing checks of a 503, or the
 * connection error while the gateway does not answer yet).
 */
export function readinessOf(result) {
  if (result.error) return { ready: false, reason: `gateway not answering (${result.error})` };
  if (result.status === 200) return { ready: true };
  const checks = result.body && typeof result.body === 'object' ? result.body.checks : undefined;
  const failing = Object.entries(checks ?? {})
    .filter(([, check]) => !check?.ok)
    .map(([name, check]) => (check?.error ? `${name} (${check.error})` : name));
  return {
    ready: false,
    reason:
      failing.length > 0 ? `not ready: ${failing.join(', ')}` : `/readyz?full answered ${result.status}`,
  };
}

/** Mailpit when the SMTP target is compose's (loopback :1025) or its UI is configured explicitly. */
export function mailCatcherOf(smtpUrl, mailpitUiUrl) {
  if (mailpitUiUrl) return mailpitUiUrl;
  const endpoint = endpointOf(smtpUrl, 'smtp');
  return endpoint && LOOPBACK.has(endpoint.host) && endpoint.port === 1025
    ? 'http://localhost:8025'
    : undefined;
}

/** The "running" banner, printed once /readyz?full is green. */
export function runningBanner({ gatewayUrl, publicUrl, smtpUrl, mailpitUiUrl }) {
  const mailCatcher = mailCatcherOf(smtpUrl, mailpitUiUrl);
  return [
    '',
    'Ledgerline is running (GET /readyz?full is green):',
    `  gateway       ${gatewayUrl}`,
    ...(publicUrl && publicUrl !== gatewayUrl ? [`  public URL    ${publicUrl}`] : []),
    `  API explorer  ${gatewayUrl}/docs`,
    `  e-mail        ${redact(smtpUrl)}${mailCatcher ? ` (Mailpit: read the mails at ${mailCatcher})` : ''}`,
    'Ctrl-C stops everything.',
    '',
  ];
}

/** A URL with its password masked, for logs. */
export function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
