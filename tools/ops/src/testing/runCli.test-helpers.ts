import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { infrastructure } from '@ledgerline/testing';

const BIN = fileURLToPath(new URL('../../bin/ledgerline.js', import.meta.url));
const OPS_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** Path of the test manifest, relative to tools/ops (the CLI's working directory in tests). */
export const FIXTURE_MANIFEST = 'src/testing/fixtureManifest.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process whose output is collected, with a way to wait for a line to appear. */
export interface CliProcess {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `ledgerline <args>` against the test infrastructure, from tools/ops. */
export async function startCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const infra = await infrastructure();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: OPS_DIR,
    env: { ...process.env, DATABASE_URL: infra.databaseUrl, NATS_URL: infra.natsUrl, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    output[stream] += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, ...output })));
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern} on ${stream}: ${JSON.stringify(output)}`));
      }, timeoutMs);
      const check = () => {
        if (!pattern.test(output[stream])) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { child, output, waitFor, done } satisfies CliProcess;
}

/** Runs `ledgerline <args>` to completion. */
export async function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return (await startCli(args, options)).done;
}
