// Round trips and rate of a PATCH /me-shaped command through the kernel: handleCommand with a
// state cache (speculative decide), one event, an inline projection that loads and writes the row
// the event is about, and the reply read from `projected`. Counts the statements each command
// sends to Postgres (each is one round trip on its connection).
//
//   DATABASE_URL=… npx tsx --conditions=@ledgerline/source bench/kernel/commands.ts [writers] [seconds] [unfolded]
//
// `unfolded`: the same inline projection without its preload and write plan, so the load and the
// write are statements of their own and COMMIT waits for the write (the kernel before the fold).
import { fileURLToPath } from 'node:url';
import {
  type AppendHook,
  type Decider,
  type DomainEvent,
  defineProjection,
  handleCommand,
  inlineProjections,
  PostgresEventStore,
  projectedRow,
  StreamStateCache,
} from '@ledgerline/eventsourcing';
import type pg from 'pg';
import { createService, newPool } from './context.js';
import { percentile, perSecond } from './stats.js';

type Renamed = DomainEvent<'Renamed', { name: string }>;
interface Summary {
  id: string;
  event_count: number;
  last_type: string;
  total: bigint;
}

const projection = defineProjection<Renamed, Summary>({
  name: 'bench_command_summary',
  table: 'account_summary',
  canHandle: ['Renamed'],
  documentId: (event) => event.streamId,
  evolve: (row, event) => ({
    id: event.streamId,
    event_count: (row?.event_count ?? 0) + 1,
    last_type: event.type,
    total: row?.total ?? 0n,
  }),
});

const decider: Decider<{ name: string }, Renamed, { name: string }, unknown> = {
  initialState: () => ({ name: '' }),
  evolve: (_state, event) => ({ name: event.data.name }),
  decide: (command) => [{ type: 'Renamed', data: { name: command.name } }],
};

/**
 * Counts statements and round trips: a statement sent while another one on the same connection is
 * still unanswered (node-postgres' pipeline mode) rides in that round trip.
 */
function countStatements(pool: pg.Pool): { statements: () => number; roundTrips: () => number } {
  let statements = 0;
  let roundTrips = 0;
  pool.on('connect', (client) => {
    const clientQuery = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let inFlight = 0;
    client.query = ((...args: unknown[]) => {
      statements++;
      if (inFlight === 0) roundTrips++;
      inFlight++;
      const settled = () => {
        inFlight--;
      };
      // pool.query calls client.query with a callback (it returns nothing then).
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          settled();
          return callback(...results);
        };
      }
      const result = clientQuery(...args);
      if (typeof callback !== 'function') result.then(settled, settled);
      return result;
    }) as unknown as pg.PoolClient['query'];
  });
  return { statements: () => statements, roundTrips: () => roundTrips };
}

const writers = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 10);
const migrations = fileURLToPath(new URL('./migrations', import.meta.url));
const service = await createService('command', 2, migrations);
// A pool of its own, counted from its first connection.
const pool = newPool(writers + 2);
const counter = countStatements(pool);
const folded = inlineProjections(service.name, [projection]);
const unfolded: AppendHook = (client, events) => folded(client, events);
const store = new PostgresEventStore({
  pool,
  service: service.name,
  appendHooks: [process.argv[4] === 'unfolded' ? unfolded : folded],
});
const cache = new StreamStateCache<{ name: string }>();
const command = (writer: number, i: number) =>
  handleCommand({
    store,
    decider,
    streamId: `account-${writer}`,
    command: { name: `name ${i}` },
    context: () => undefined,
    cache,
    retries: 1,
  });

// Warm: every stream exists and is cached, every connection is open and has its statements prepared.
for (let round = 0; round < 3; round++) {
  await Promise.all(Array.from({ length: writers }, (_, w) => command(w, round)));
}
await new Promise((resolve) => setTimeout(resolve, 100)); // let the coalesced pg_notify settle
const statementsBefore = counter.statements();
const roundTripsBefore = counter.roundTrips();
const latencies: number[] = [];
let commands = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t0 = performance.now();
      const result = await command(w, i);
      if (projectedRow(result, projection, `account-${w}`) === undefined) throw new Error('no projected row');
      latencies.push(performance.now() - t0);
      commands++;
    }
  }),
);
const elapsed = performance.now() - started;
const statements = counter.statements() - statementsBefore;
const roundTrips = counter.roundTrips() - roundTripsBefore;
console.log(
  JSON.stringify({
    variant: process.argv[4] === 'unfolded' ? 'unfolded' : 'folded',
    writers,
    seconds,
    commandsPerSecond: Math.round(perSecond(commands, elapsed)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    // pg_notify after commits is coalesced (≤ 1 per 10 ms), so it adds a fraction of a statement.
    statementsPerCommand: Number((statements / commands).toFixed(2)),
    roundTripsPerCommand: Number((roundTrips / commands).toFixed(2)),
  }),
);
await store.close();
await pool.end();
await service.close();
