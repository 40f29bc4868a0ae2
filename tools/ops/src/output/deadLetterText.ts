import type { DeadLetter } from '@ledgerline/eventsourcing';
import { renderTable, truncate } from './table.js';

/** A dead letter with the service it belongs to (ids are unique per service table). */
export interface ServiceDeadLetter extends DeadLetter {
  service: string;
}

/** The human view of `dead-letters list`. */
export function formatDeadLetterList(letters: ServiceDeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  return renderTable(
    [
      { header: 'ID' },
      { header: 'SERVICE' },
      { header: 'KIND' },
      { header: 'NAME' },
      { header: 'TYPE' },
      { header: 'STATUS' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'CREATED' },
      { header: 'ERROR' },
    ],
    letters.map((l) => [
      l.id,
      l.service,
      l.sourceKind,
      l.sourceName,
      l.messageType ?? '-',
      l.status,
      String(l.attempts),
      l.createdAt,
      truncate(l.error, 60),
    ]),
  );
}

/** The human view of `dead-letters show`: every field, the payload as indented JSON. */
export function formatDeadLetter(letter: ServiceDeadLetter): string {
  const fields: [string, string][] = [
    ['id', letter.id],
    ['service', letter.service],
    ['source', `${letter.sourceKind} ${letter.sourceName}`],
    ['message', `${letter.messageId}${letter.messageType ? ` (${letter.messageType})` : ''}`],
    ['position', letter.globalPosition === null ? '-' : String(letter.globalPosition)],
    ['status', letter.resolvedAt ? `${letter.status} at ${letter.resolvedAt}` : letter.status],
    ['attempts', String(letter.attempts)],
    ['created', letter.createdAt],
    ['error', letter.error],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  return [...lines, 'payload:', JSON.stringify(letter.payload, null, 2)].join('\n');
}
