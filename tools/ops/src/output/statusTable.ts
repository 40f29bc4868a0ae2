import type { ServiceStatus } from '../status/projectionStatus.js';
import { renderTable } from './table.js';

const COLUMNS = [
  { header: 'SERVICE' },
  { header: 'PROJECTION' },
  { header: 'STATE' },
  { header: 'CHECKPOINT', align: 'right' as const },
  { header: 'HEAD', align: 'right' as const },
  { header: 'LAG', align: 'right' as const },
  { header: 'DEAD LETTERS', align: 'right' as const },
];

/** The human view of `projections status`: one row per projection, notes per service below. */
export function formatStatus(services: ServiceStatus[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const s of services) {
    if (!s.migrated) notes.push(`${s.service}: not migrated (ledgerline migrate --service ${s.service})`);
    else if (s.projections.length === 0) notes.push(`${s.service}: no projections (head ${s.head})`);
    if (s.rebuildSchemaPresent) {
      notes.push(`${s.service}: a rebuild is running or was interrupted (the next rebuild drops its schema)`);
    }
    for (const p of s.projections) {
      rows.push([
        s.service,
        p.name,
        p.state,
        p.checkpoint === null ? '-' : String(p.checkpoint),
        String(p.head),
        String(p.lag),
        String(p.deadLetters),
      ]);
    }
  }
  const table = rows.length > 0 ? renderTable(COLUMNS, rows) : 'no projections';
  return notes.length > 0 ? `${table}\n\n${notes.join('\n')}` : table;
}
