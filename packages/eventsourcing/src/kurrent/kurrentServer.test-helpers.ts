import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the contract suite finds a KurrentDB: a URL, how to stop what was started, or why there is none. */
export type KurrentServer =
  | { kind: 'url'; connectionString: string; stop(): Promise<void> }
  | { kind: 'skip'; reason: string };

const IMAGE = process.env.KURRENTDB_IMAGE ?? 'docker.kurrent.io/kurrent-latest/kurrentdb:latest';

/**
 * KURRENTDB_URL wins (a set URL that does not answer fails the suite, it is not skipped);
 * else a KurrentDB container when a Docker daemon answers its ping within two seconds;
 * else a skip with the reason.
 */
export async function kurrentServer(): Promise<KurrentServer> {
  const url = process.env.KURRENTDB_URL;
  if (url) return { kind: 'url', connectionString: url, stop: async () => undefined };
  const docker = await dockerAnswers();
  if (!docker.ok) return { kind: 'skip', reason: `no KURRENTDB_URL and no Docker daemon (${docker.why})` };
  return { kind: 'url', ...(await startContainer()) };
}

async function startContainer(): Promise<{ connectionString: string; stop(): Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const legacy = IMAGE.startsWith('eventstore/');
  const prefix = legacy ? 'EVENTSTORE' : 'KURRENTDB';
  const container = await new GenericContainer(IMAGE)
    .withEnvironment({
      [`${prefix}_INSECURE`]: 'true',
      [`${prefix}_CLUSTER_SIZE`]: '1',
      [`${prefix}_MEM_DB`]: 'true',
      [`${prefix}_RUN_PROJECTIONS`]: 'None',
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((code) => code < 300))
    .withStartupTimeout(120_000)
    .start();
  const scheme = legacy ? 'esdb' : 'kurrentdb';
  return {
    connectionString: `${scheme}://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
    stop: async () => {
      await container.stop();
    },
  };
}

/** Pings the Docker daemon named by DOCKER_HOST (unix:// or tcp://) or a usual socket path. */
async function dockerAnswers(): Promise<{ ok: true } | { ok: false; why: string }> {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://') && !host.startsWith('tcp://')) {
    return { ok: false, why: `DOCKER_HOST ${host} is not a unix:// or tcp:// address this check can ping` };
  }
  const target = host
    ? host.startsWith('unix://')
      ? { socketPath: host.slice('unix://'.length) }
      : { host: new URL(host).hostname, port: Number(new URL(host).port || 2375) }
    : dockerSocket();
  if (!target) return { ok: false, why: 'DOCKER_HOST unset and no Docker socket found' };
  const where = 'socketPath' in target ? target.socketPath : `${target.host}:${target.port}`;
  return (await ping(target)) ? { ok: true } : { ok: false, why: `nothing answered a ping at ${where}` };
}

function dockerSocket(): { socketPath: string } | undefined {
  const candidates = [
    '/var/run/docker.sock',
    process.env.XDG_RUNTIME_DIR && join(process.env.XDG_RUNTIME_DIR, 'docker.sock'),
    join(homedir(), '.docker', 'run', 'docker.sock'),
  ].filter((path): path is string => Boolean(path));
  const socketPath = candidates.find((path) => existsSync(path));
  return socketPath ? { socketPath } : undefined;
}

function ping(target: { socketPath: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}
