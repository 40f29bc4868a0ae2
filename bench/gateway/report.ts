import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from '../kernel/stats.js';
import { writeResultsSection } from '../results.js';
import type { LoadResult } from './load.js';

const RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

export interface GatewayResults {
  results: Record<'raw' | 'getMe' | 'patchMe' | 'login', LoadResult[]>;
  seconds: number;
  cores: number;
  argon2: string;
}

const round = (n: number) => Math.round(n).toLocaleString('en-US');
const spread = (list: LoadResult[], pick: (r: LoadResult) => number, unit: string) => {
  const values = list.map(pick);
  return `${round(median(values))}${unit} (${round(Math.min(...values))}–${round(Math.max(...values))})`;
};

/** Prints the gateway table and writes it into its own section of bench/RESULTS.md. */
export async function writeGatewayResults({
  results,
  seconds,
  cores,
  argon2,
}: GatewayResults): Promise<void> {
  const raw = median(results.raw.map((r) => r.requestsPerSecond));
  const row = (
    name: string,
    list: LoadResult[],
    goal: string,
    ratioGoal: number | null,
    p99Goal: number | null,
  ) => {
    const rate = median(list.map((r) => r.requestsPerSecond));
    const p99 = median(list.map((r) => r.p99));
    const ratio = rate / raw;
    const met =
      ratioGoal === null ? 'n/a' : ratio >= ratioGoal && (p99Goal === null || p99 <= p99Goal) ? 'yes' : 'NO';
    const failures = list.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    return `| ${name} | ${spread(list, (r) => r.requestsPerSecond, ' req/s')} | ${spread(list, (r) => r.p50, ' ms')} | ${spread(list, (r) => r.p99, ' ms')} | ${ratioGoal === null ? '—' : ratio.toFixed(2)} | ${goal} | ${met} | ${failures} |`;
  };
  const lines = [
    '## Gateway',
    '',
    `- date: ${new Date().toISOString()}; Node ${process.version}; NATS ${natsVersion()}; cores: ${cores}`,
    `- ${results.raw.length} runs of ${seconds} s each, 50 connections (autocannon); gateway, identity and the echo servers run as their own processes; load generator, servers, Postgres and NATS share the cores`,
    `- login: ${argon2}`,
    '',
    '| measurement | req/s, median (min–max) | p50 | p99 | ratio to raw | goal | met? | non-2xx + errors |',
    '|---|---|---|---|---|---|---|---|',
    row('raw ceiling: bare Fastify + 1 NATS request to an echo responder', results.raw, '—', null, null),
    row(
      'GET /me (gateway → NATS → identity read model)',
      results.getMe,
      '≥ 0.5 of raw, p99 ≤ 40 ms',
      0.5,
      40,
    ),
    row(
      'PATCH /me (gateway → NATS → identity append + inline projection)',
      results.patchMe,
      '≥ 0.25 of raw',
      0.25,
      null,
    ),
    row('POST /auth/login (argon2-bound)', results.login, 'reported', null, null),
    '',
    'How to run: `source scripts/use-node.sh && npm run bench:gateway` (BENCH_RUNS, BENCH_SECONDS tune it).',
  ];
  const section = lines.join('\n');
  console.log(`\n${section}\n`);
  await writeResultsSection(RESULTS, 'gateway', section);
}

function natsVersion(): string {
  try {
    return execFileSync('/usr/sbin/nats-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
