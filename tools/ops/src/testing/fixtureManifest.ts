import { fileURLToPath } from 'node:url';
import { defineProjection, defineServiceManifest } from '@ledgerline/eventsourcing';

// A manifest for the CLI's tests: `--manifest src/testing/fixtureManifest.ts --service <unique>`.
// Events `Counted { n }`: an inline projection counts them per stream, an async one sums n;
// n < 0 makes the async one throw (a poison event to park or skip).

const tallies = defineProjection({
  name: 'tallies',
  table: 'Tally',
  canHandle: ['Counted'],
  documentId: (event) => event.streamId,
  evolve: (row, event) => ({ id: event.streamId, count: Number(row?.count ?? 0) + 1 }),
});

const totals = defineProjection({
  name: 'totals',
  table: 'Total',
  canHandle: ['Counted'],
  documentId: (event) => event.streamId,
  evolve: (row, event) => {
    const n = (event.data as { n: number }).n;
    if (n < 0) throw new Error(`cannot add ${n}`);
    return { id: event.streamId, sum: Number(row?.sum ?? 0) + n };
  },
});

export const manifest = defineServiceManifest({
  name: 'ops_fixture',
  readModelMigrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  projections: [tallies, totals],
  asyncProjections: ['totals'],
});
