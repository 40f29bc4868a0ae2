import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * A Postgres cluster of the test's own (initdb into a temporary directory, its own port), so a test
 * can restart or stop the database under load without touching anyone else's. initdb refuses to run
 * as root: as root, the cluster belongs to the `postgres` system user.
 */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** Fast shutdown: every backend is terminated ("terminating connection due to administrator command"). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Terminates every client backend, as an operator or a failover would (the server stays up). */
  terminateBackends(): Promise<number>;
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Whether the Postgres binaries are installed here (tests skip themselves otherwise). */
export async function postgresBinariesAvailable(): Promise<boolean> {
  try {
    await run(join(BIN, 'pg_ctl'), ['--version']);
    return true;
  } catch {
    return false;
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'll-pg-'));
  const data = join(dir, 'data');
  const ids = asRoot ? await postgresIds() : undefined;
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chmodSync(dir, 0o700);
  }
  // As root the commands run as `postgres`; the paths are passed as arguments, never through a shell.
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]) : run(join(BIN, tool), args);
  await pg('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    // A throwaway cluster: no fsync (commits stay synchronous; only the disk flush is skipped).
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const start = () =>
    pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    url,
    port,
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async terminateBackends() {
      const sql =
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
      const { stdout } = await run(join(BIN, 'psql'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-At',
        '-c',
        sql,
      ]).catch(async () =>
        pg('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-c', sql]),
      );
      return Number(stdout.trim());
    },
    async destroy() {
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`no postgres system user: ${stdout}`);
  return { uid: Number(uid), gid: Number(gid) };
}
