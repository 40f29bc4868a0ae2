import { writeResultsSection } from '../results.js';
import type { Summary } from './stats.js';

export interface Row {
  name: string;
  unit: string;
  kernel: Summary | null;
  raw: Summary | null;
  /** Kernel median / raw median must reach this. */
  goal: number;
  /** Why the kernel side has no figure. */
  notMeasured?: string;
  note?: string;
}

export interface Environment {
  date: string;
  node: string;
  postgres: string;
  nats: string;
  cores: number;
  /** 1-minute load average at the start and the end: other work on the machine skews every figure. */
  load: string;
  config: string;
}

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2);

const cell = (s: Summary | null, unit: string) =>
  s ? `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)}, n=${s.runs.length})` : '—';

const ratioOf = (row: Row) => (row.kernel && row.raw ? row.kernel.median / row.raw.median : null);

function tableLines(rows: Row[]): string[] {
  const lines = [
    '| measurement | kernel, median (min–max) | raw, median (min–max) | ratio | goal | met? |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const ratio = ratioOf(row);
    const met = ratio === null ? 'n/a' : ratio >= row.goal ? 'yes' : 'NO';
    const kernel = row.notMeasured ? `not measured: ${row.notMeasured}` : cell(row.kernel, row.unit);
    lines.push(
      `| ${row.name} | ${kernel} | ${cell(row.raw, row.unit)} | ${ratio === null ? '—' : ratio.toFixed(2)} | ≥ ${row.goal} | ${met} |`,
    );
  }
  return lines;
}

export function printTable(rows: Row[]): void {
  console.log(`\n${tableLines(rows).join('\n')}\n`);
  for (const row of rows) if (row.note) console.log(`- ${row.name}: ${row.note}`);
}

export async function writeResults(
  path: string,
  env: Environment,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const text = [
    '## Kernel',
    '',
    `- date: ${env.date}`,
    `- Node: ${env.node}`,
    `- PostgreSQL: ${env.postgres}`,
    `- NATS server: ${env.nats}`,
    `- cores: ${env.cores}`,
    `- load average (1 min) at start / end: ${env.load}`,
    `- config: ${env.config}`,
    '',
    ...tableLines(rows),
    '',
    'Ratio = kernel median / raw median, both measured in the same run; each figure is the median of n runs ' +
      '(a measurement stops repeating once it has used BENCH_MEASUREMENT_BUDGET_SECONDS, default 60).',
    '',
    ...rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`),
    ...notes.map((n) => `- ${n}`),
    '',
    'How to run: `cd /work/main && source scripts/use-node.sh && npm run bench` (needs Postgres and NATS JetStream; ' +
      'DATABASE_URL / NATS_URL override the localhost defaults; BENCH_RUNS, BENCH_APPEND_SECONDS, BENCH_EVENTS tune it).',
    '',
  ].join('\n');
  await writeResultsSection(path, 'kernel', text);
}
