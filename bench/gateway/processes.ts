import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry point of this repo as its own process (tsx, workspace sources), so
 * servers and the load generator do not share an event loop.
 */
export function startTs(entry: string, env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    [
      // Extra node flags for profiling runs (e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof").
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      '--conditions=@ledgerline/source',
      `${repoRoot}/${entry}`,
    ],
    {
      // tsx takes compiler options (experimental decorators for NestJS) from the package's tsconfig.
      env: { ...process.env, TSX_TSCONFIG_PATH: `${repoRoot}/${packageOf(entry)}/tsconfig.json`, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: repoRoot,
    },
  );
  if (process.env.BENCH_NODE_FLAGS) console.log(`started ${entry} as pid ${child.pid}`);
  return {
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

const packageOf = (entry: string): string => {
  const parts = entry.split('/');
  return parts[0] === 'bench' ? 'bench' : parts.slice(0, 2).join('/');
};

/** Polls a URL until it answers 200, or fails after the timeout. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
