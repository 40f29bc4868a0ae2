import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, infrastructure } from './infrastructure.js';

export interface TestNats {
  readonly url: string;
  /** True when this file has a NATS server of its own (no other test process can answer its subjects). */
  readonly private: boolean;
  stop(): Promise<void>;
}

const CANDIDATES = [
  process.env.NATS_SERVER_BIN,
  '/usr/sbin/nats-server',
  '/usr/local/bin/nats-server',
  '/usr/bin/nats-server',
];

/**
 * A real NATS server for this test file alone. The gateway's subjects are fixed by the contracts
 * (`identity.cmd.Login`…), and identity's own tests serve them on the shared server: a private server
 * keeps our fake responders and "nobody answers" checks deterministic. Falls back to the shared
 * server when no nats-server binary is installed.
 */
export async function startTestNats(options: { jetstream?: boolean } = {}): Promise<TestNats> {
  const binary = CANDIDATES.find((path) => path !== undefined && existsSync(path));
  if (!binary) {
    const { natsUrl } = await infrastructure();
    return { url: natsUrl, private: false, stop: async () => {} };
  }
  const port = await freePort();
  const storeDir = options.jetstream ? await mkdtemp(join(tmpdir(), 'll-nats-')) : undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(storeDir ? ['-js', '-sd', storeDir] : [])];
  const child = spawn(binary, args, { stdio: 'ignore' });
  const url = `nats://127.0.0.1:${port}`;
  await waitUntil(() => answers(url), 10_000);
  const stop = async () => {
    await stopChild(child);
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  };
  return { url, private: true, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
