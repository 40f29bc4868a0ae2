import { availableParallelism, loadavg } from 'node:os';
import { appendBench } from './append.js';
import { type BenchService, benchTag, createService } from './context.js';
import { type BenchStream, openBenchStream, purgeServiceSubjects } from './jetstream.js';
import { kernelRead, rawRead } from './readAll.js';
import { MIGRATIONS_DIR, rebuild, verifyRebuild } from './rebuild.js';
import { kernelRelay, rawPublish } from './relay.js';
import { printTable, type Row, writeResults } from './report.js';
import { seedEvents } from './seed.js';
import { type Summary, summarize } from './stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RUNS = env('BENCH_RUNS', 3);
const APPEND_MS = env('BENCH_APPEND_SECONDS', 5) * 1000;
const EVENTS = env('BENCH_EVENTS', 1_000_000);
const STREAMS = env('BENCH_STREAMS', 10_000);
const READ_BATCH = env('BENCH_READ_BATCH', 10_000);
const RELAY_MESSAGES = env('BENCH_RELAY_MESSAGES', 50_000);
/** A slow measurement stops repeating once it has used this much time (it always runs once). */
const MEASUREMENT_BUDGET_MS = env('BENCH_MEASUREMENT_BUDGET_SECONDS', 60) * 1000;
const WRITERS = 8;
const IN_FLIGHT = 100;

const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** True when a measurement that already ran should not repeat: it has used up its budget. */
function overBudget(run: number, started: number, label: string): boolean {
  const over = run > 0 && performance.now() - started > MEASUREMENT_BUDGET_MS;
  if (over) log(`${label}: stopping after ${run} run(s), over the ${MEASUREMENT_BUDGET_MS / 1000} s budget`);
  return over;
}

/** Runs `measure` RUNS times and summarizes one figure of it. */
async function repeat<T>(label: string, measure: (run: number) => Promise<T>, figure: (t: T) => number) {
  const results: T[] = [];
  const started = performance.now();
  for (let run = 0; run < RUNS && !overBudget(run, started, label); run++) {
    const result = await measure(run);
    log(`${label} #${run + 1}: ${fmt(figure(result))}`);
    results.push(result);
  }
  return { results, summary: summarize(results.map(figure)) };
}

const services: BenchService[] = [];
let stream: BenchStream | undefined;

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const rows: Row[] = [];
  const notes: string[] = [];

  // 1 & 2: appends.
  const appendService = await createService('append', 4);
  services.push(appendService);
  const appends = await appendBench(appendService, WRITERS);
  const p99: Record<'kernel' | 'raw', number[]> = { kernel: [], raw: [] };
  const one: Record<'kernel' | 'raw', number[]> = { kernel: [], raw: [] };
  const many: Record<'kernel' | 'raw', number[]> = { kernel: [], raw: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const side of ['raw', 'kernel'] as const) {
      const r = await appends[side](1, APPEND_MS);
      one[side].push(r.eventsPerSecond);
      p99[side].push(r.p99Ms);
      log(`append 1 writer ${side} #${run + 1}: ${fmt(r.eventsPerSecond)}/s, p99 ${r.p99Ms.toFixed(2)} ms`);
    }
  }
  for (let run = 0; run < RUNS; run++) {
    for (const side of ['raw', 'kernel'] as const) {
      const r = await appends[side](WRITERS, APPEND_MS);
      many[side].push(r.eventsPerSecond);
      log(`append ${WRITERS} writers ${side} #${run + 1}: ${fmt(r.eventsPerSecond)}/s`);
    }
  }
  await appends.close();
  const kp99 = summarize(p99.kernel);
  const rp99 = summarize(p99.raw);
  rows.push({
    name: 'append, 1 writer, 1 event/append, expectedVersion',
    unit: 'ev/s',
    kernel: summarize(one.kernel),
    raw: summarize(one.raw),
    goal: 0.7,
    note: `p99 latency kernel ${kp99.median.toFixed(2)} ms (${kp99.min.toFixed(2)}–${kp99.max.toFixed(2)}), raw ${rp99.median.toFixed(2)} ms (${rp99.min.toFixed(2)}–${rp99.max.toFixed(2)})`,
  });
  rows.push({
    name: `append, ${WRITERS} writers on distinct streams`,
    unit: 'ev/s',
    kernel: summarize(many.kernel),
    raw: summarize(many.raw),
    goal: 0.7,
  });

  // 3: readAll over a seeded log.
  const logService = await createService('log', 4, MIGRATIONS_DIR);
  services.push(logService);
  log(`seeding ${fmt(EVENTS)} events over ${fmt(STREAMS)} streams`);
  const seedMs = await seedEvents(logService, { events: EVENTS, streams: STREAMS });
  log(`seeded in ${(seedMs / 1000).toFixed(1)} s (incl. VACUUM ANALYZE)`);
  const rawReads: number[] = [];
  const kernelReads: number[] = [];
  const readStarted = performance.now();
  for (let run = 0; run < RUNS && !overBudget(run, readStarted, 'readAll'); run++) {
    const raw = await rawRead(logService, READ_BATCH);
    const k = await kernelRead(logService, READ_BATCH);
    if (raw.events !== EVENTS || k.events !== EVENTS)
      throw new Error(`read ${raw.events} / ${k.events} events`);
    rawReads.push(raw.eventsPerSecond);
    kernelReads.push(k.eventsPerSecond);
    log(`readAll #${run + 1}: raw ${fmt(raw.eventsPerSecond)}/s, kernel ${fmt(k.eventsPerSecond)}/s`);
  }
  const rawRead1 = summarize(rawReads);
  rows.push({
    name: `readAll ${fmt(EVENTS)} events (pages of ${fmt(READ_BATCH)})`,
    unit: 'ev/s',
    kernel: summarize(kernelReads),
    raw: rawRead1,
    goal: 0.7,
  });

  // 4: rebuild of a per-stream summary over the same log.
  const rebuilds = await repeat(
    'rebuild',
    () => rebuild(logService),
    (r) => r.eventsPerSecond,
  );
  const check = await verifyRebuild(logService);
  if (check.rows !== STREAMS || check.events !== EVENTS) {
    throw new Error(`rebuild wrote ${check.rows} rows / ${check.events} events`);
  }
  const wall: Summary = summarize(rebuilds.results.map((r) => r.wallMs / 1000));
  rows.push({
    name: `rebuild ${fmt(EVENTS)} events, ${fmt(STREAMS)} streams (vs raw read rate)`,
    unit: 'ev/s',
    kernel: rebuilds.summary,
    raw: rawRead1,
    goal: 0.3,
    note: `wall time ${wall.median.toFixed(1)} s (${wall.min.toFixed(1)}–${wall.max.toFixed(1)}); read model verified: ${check.rows} rows, ${check.events} events`,
  });

  // 5: relay to JetStream.
  stream = await openBenchStream(benchTag());
  const publishes = await repeat(
    'raw publish',
    () => rawPublish(stream!, RELAY_MESSAGES, IN_FLIGHT),
    (r) => r.eventsPerSecond,
  );
  const relayService = await createService('relay', 4);
  services.push(relayService);
  const relays = await repeat(
    'kernel relay',
    () => kernelRelay(relayService, stream!, RELAY_MESSAGES),
    (r) => r.eventsPerSecond,
  );
  rows.push({
    name: `relay to JetStream (${fmt(RELAY_MESSAGES)} events; raw: acked publish, ${IN_FLIGHT} in flight)`,
    unit: 'ev/s',
    kernel: relays.summary,
    raw: publishes.summary,
    goal: 0.5,
    note: 'kernel: EventRelay.relayOnce() with its defaults (batches of 1,000, 100 publishes in flight)',
  });

  printTable(rows);
  const { rows: version } = await logService.pool.query<{ version: string }>('SELECT version()');
  const totalSeconds = (performance.now() - started) / 1000;
  notes.push(
    `seed of ${fmt(EVENTS)} events took ${(seedMs / 1000).toFixed(1)} s (INSERT … SELECT, not timed as a result)`,
  );
  notes.push(`whole run took ${totalSeconds.toFixed(0)} s`);
  const resultsPath = process.env.BENCH_RESULTS ?? new URL('../RESULTS.md', import.meta.url).pathname;
  await writeResults(
    resultsPath,
    {
      date: new Date().toISOString(),
      node: process.version,
      postgres: version[0]?.version ?? 'unknown',
      nats: stream.serverVersion,
      cores: availableParallelism(),
      load: `${loadAtStart} / ${loadavg()[0]!.toFixed(1)}`,
      config: `runs=${RUNS}, append ${APPEND_MS / 1000} s per run, events=${EVENTS}, streams=${STREAMS}, read page=${READ_BATCH}, relay messages=${RELAY_MESSAGES}`,
    },
    rows,
    notes,
  );
  log(`done in ${totalSeconds.toFixed(0)} s; wrote ${resultsPath}`);
}

async function cleanup(): Promise<void> {
  for (const service of services) {
    if (stream)
      await purgeServiceSubjects(stream.jsm, service.name).catch((e) => log(`purge ${service.name}: ${e}`));
    await service.close().catch((e) => log(`cleanup ${service.name}: ${e}`));
  }
  await stream?.close().catch((e) => log(`cleanup stream: ${e}`));
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  await cleanup();
}
