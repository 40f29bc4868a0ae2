import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './compose.js';

// The Dockerfile is checked statically here, and the scripts the image runs (entry point,
// HEALTHCHECK, the dependency pruner) with plain node; `npm run test:image` builds and boots it.
const dockerfile = readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${REPO_ROOT}.dockerignore`, 'utf8').split('\n');
const run = promisify(execFile);

/** Runs a script of deploy/docker with `env`; resolves to its exit code, stdout and stderr. */
async function runScript(script: string, env: Record<string, string>, args: string[] = []) {
  try {
    const { stdout } = await run(process.execPath, [`${REPO_ROOT}deploy/docker/${script}`, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[2]);

  it('builds in stages and ships production dependencies only', () => {
    expect(stages).toEqual(['manifests', 'build', 'prod-deps', 'runtime']);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-slim$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/RUN node deploy\/docker\/prune-deps\.mjs/);
    expect(dockerfile).toMatch(/COPY --from=prod-deps/);
    expect(dockerfile).not.toMatch(/COPY --from=build[^\n]*node_modules/);
  });

  it('needs no frontend image (no `# syntax=` line) and puts `ledgerline` on PATH', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
    const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime/m));
    expect(runtime).toMatch(/ln -s \/app\/tools\/ops\/bin\/ledgerline\.js \/usr\/local\/bin\/ledgerline/);
    expect(dockerfile).toMatch(/chmod 0755 tools\/ops\/bin\/ledgerline\.js/);
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

describe('deploy/docker/prune-deps.mjs', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (path: string, content: unknown) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const pkg = (name: string, fields: Record<string, unknown> = {}) => ({ name, version: '1.0.0', ...fields });

  /** A miniature of the image's prod-deps stage: two runnable workspaces, a test-only workspace. */
  const fixture = () => {
    root = mkdtempSync(join(tmpdir(), 'prune-deps-'));
    write('package.json', { workspaces: ['packages/*', 'services/*', 'tools/*'] });
    write(
      'services/api/package.json',
      pkg('@x/api', { dependencies: { '@x/kernel': '*', '@prisma/client': '*' } }),
    );
    write(
      'services/api/dist/main.js',
      'import("@prisma/client/runtime/query_compiler_fast_bg.postgresql.mjs"); import("@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs");',
    );
    write('tools/ops/package.json', pkg('@x/ops', { dependencies: { commander: '*' } }));
    write('packages/kernel/package.json', pkg('@x/kernel', { dependencies: { native: '*' } }));
    write('packages/testing/package.json', pkg('@x/testing', { dependencies: { testcontainers: '*' } }));
    for (const [link, target] of [
      ['api', '../../services/api'],
      ['ops', '../../tools/ops'],
      ['kernel', '../../packages/kernel'],
      ['testing', '../../packages/testing'],
    ]) {
      mkdirSync(join(root, 'node_modules/@x'), { recursive: true });
      symlinkSync(target as string, join(root, 'node_modules/@x', link as string));
    }
    const peers = {
      peerDependencies: { cli: '*', tslib: '*' },
      peerDependenciesMeta: { cli: { optional: true } },
    };
    write('node_modules/@prisma/client/package.json', pkg('@prisma/client', peers));
    write('node_modules/@prisma/client/index.js', '');
    write('node_modules/@prisma/client/index.d.ts', '');
    write('node_modules/@prisma/client/index.js.map', '');
    for (const db of ['postgresql', 'mysql']) {
      write(`node_modules/@prisma/client/runtime/query_compiler_fast_bg.${db}.mjs`, '');
      write(`node_modules/@prisma/client/runtime/query_compiler_fast_bg.${db}.wasm-base64.mjs`, '');
    }
    write('node_modules/prisma/package.json', pkg('prisma', { dependencies: { studio: '*' } }));
    write('node_modules/studio/package.json', pkg('studio'));
    write('node_modules/tslib/package.json', pkg('tslib'));
    write('node_modules/commander/package.json', pkg('commander'));
    const natives = { 'native-linux-x64-gnu': '*', 'native-linux-x64-musl': '*' };
    write('node_modules/native/package.json', pkg('native', { optionalDependencies: natives }));
    write('node_modules/native-linux-x64-gnu/package.json', pkg('native-linux-x64-gnu'));
    write('node_modules/native-linux-x64-musl/package.json', pkg('native-linux-x64-musl'));
    write('node_modules/@types/node/package.json', pkg('@types/node'));
    write('node_modules/testcontainers/package.json', pkg('testcontainers'));
  };

  it('lists the workspaces a service or tool reaches, never a test-only one', async () => {
    fixture();
    const { code, stdout } = await runScript('prune-deps.mjs', {}, ['--workspaces', root]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['packages/kernel', 'services/api', 'tools/ops']);
  });

  it('keeps what is reachable and drops optional peers, test workspaces, other libcs and dead files', async () => {
    fixture();
    const { code } = await runScript('prune-deps.mjs', {}, [root]);
    expect(code).toBe(0);
    const present = (path: string) => existsSync(join(root, path));
    for (const kept of [
      'node_modules/@prisma/client/index.js',
      'node_modules/tslib', // a required peer
      'node_modules/commander',
      'node_modules/native-linux-x64-gnu', // this machine is glibc (Debian)
      'node_modules/@prisma/client/runtime/query_compiler_fast_bg.postgresql.mjs',
      'node_modules/@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs',
      'node_modules/@x/kernel',
      'packages/kernel/package.json',
    ]) {
      expect(present(kept), kept).toBe(true);
    }
    for (const dropped of [
      'node_modules/prisma', // @prisma/client's optional peer: the Prisma CLI
      'node_modules/studio',
      'node_modules/testcontainers',
      'node_modules/native-linux-x64-musl',
      'node_modules/@types',
      'node_modules/@prisma/client/index.d.ts',
      'node_modules/@prisma/client/index.js.map',
      'node_modules/@prisma/client/runtime/query_compiler_fast_bg.mysql.mjs',
      'node_modules/@x/testing',
      'packages/testing',
    ]) {
      expect(present(dropped), dropped).toBe(false);
    }
  });
});
