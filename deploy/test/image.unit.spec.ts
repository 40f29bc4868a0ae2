import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './compose.js';

// No Docker engine on these machines: the Dockerfile is checked statically, and the two scripts
// the image runs (entry point, HEALTHCHECK) are run here with plain node.
const dockerfile = readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8').split('\n');
const run = promisify(execFile);

/** Runs a script of deploy/docker with `env`; resolves to its exit code and stderr. */
async function runScript(script: string, env: Record<string, string>) {
  try {
    await run(process.execPath, [`${REPO_ROOT}deploy/docker/${script}`], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[2]);

  it('builds in stages and ships production dependencies only', () => {
    expect(stages).toEqual(['manifests', 'build', 'prod-deps', 'runtime']);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-slim$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=prod-deps/);
    expect(dockerfile).not.toMatch(/COPY --from=build[^\n]*node_modules/);
  });

  it('runs as a numeric non-root user with a HEALTHCHECK and SERVICE selecting the entry point', () => {
    const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime/m));
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "deploy\/docker\/healthcheck\.mjs"\]/m);
    expect(runtime).toMatch(/^ARG SERVICE=/m);
    expect(runtime).toMatch(/SERVICE=\$\{SERVICE\}/);
    expect(runtime).toMatch(/^CMD \["node", "deploy\/docker\/start\.mjs"\]$/m);
  });

  it('keeps host dependencies, builds and secrets out of the build context', () => {
    for (const pattern of ['**/node_modules', '**/dist', '**/src/generated', '.env', '.git']) {
      expect(dockerignore, pattern).toContain(pattern);
    }
  });
});

describe('deploy/docker/start.mjs', () => {
  it('refuses a SERVICE that names no built service, listing the known ones', async () => {
    const { code, stderr } = await runScript('start.mjs', { SERVICE: 'no-such-service' });
    expect(code).toBe(64);
    expect(stderr).toMatch(/SERVICE must name a built service .*got "no-such-service"/);
  });

  it('refuses a SERVICE that tries to climb out of services/', async () => {
    const { code } = await runScript('start.mjs', { SERVICE: '../tools/ops' });
    expect(code).toBe(64);
  });
});

describe('deploy/docker/healthcheck.mjs', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const serve = async (status: number) => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return String((server.address() as AddressInfo).port);
  };

  it('probes HEALTH_PORT for a NATS-only service and PORT for the gateway', async () => {
    const port = await serve(200);
    expect((await runScript('healthcheck.mjs', { SERVICE: 'identity', HEALTH_PORT: port })).code).toBe(0);
    expect((await runScript('healthcheck.mjs', { SERVICE: 'api-gateway', PORT: port })).code).toBe(0);
  });

  it('fails on a non-200 answer, on no answer and without a port', async () => {
    const port = await serve(503);
    expect((await runScript('healthcheck.mjs', { SERVICE: 'notifier', HEALTH_PORT: port })).code).toBe(1);
    server?.close();
    expect((await runScript('healthcheck.mjs', { SERVICE: 'notifier', HEALTH_PORT: port })).code).toBe(1);
    expect((await runScript('healthcheck.mjs', { SERVICE: 'notifier' })).code).toBe(1);
  });
});
