import { defineProjection, quoteIdent } from '@ledgerline/eventsourcing';
import type pg from 'pg';
import type { StorageUsage } from '../generated/prisma/client.js';
import { initialStorage, type Storage, type StorageEvent } from './storage.js';

/**
 * Bytes used and reserved per user, inline with the storage stream's appends: the row is the
 * stream's state at `version` (a snapshot), so a request reads one row instead of folding every
 * reservation the user ever made.
 */
export const storageUsageProjection = defineProjection<StorageEvent, StorageUsage>({
  name: 'storage-usage',
  table: 'storage_usage',
  canHandle: ['StorageReserved', 'StorageCommitted', 'StorageReleased'],
  documentId: (event) => event.data.userId,
  evolve(row, event) {
    const current = row ?? { id: event.data.userId, usedBytes: 0n, reservedBytes: 0n, version: 0 };
    const bytes = BigInt(event.data.bytes);
    const version = event.streamPosition;
    switch (event.type) {
      case 'StorageReserved':
        return { ...current, reservedBytes: current.reservedBytes + bytes, version };
      case 'StorageCommitted':
        return {
          ...current,
          reservedBytes: current.reservedBytes - bytes,
          usedBytes: current.usedBytes + bytes,
          version,
        };
      case 'StorageReleased':
        return event.data.from === 'reserved'
          ? { ...current, reservedBytes: current.reservedBytes - bytes, version }
          : { ...current, usedBytes: current.usedBytes - bytes, version };
    }
  },
});

/**
 * The user's storage state and the stream version it reflects (0: no storage event yet). The write
 * side's own read on the upload request path (reserveUpload, runUpload): one plain statement on the
 * runtime's pool, kept off Prisma so the request path pays no client overhead; queries use Prisma.
 */
export async function loadStorage(
  db: pg.Pool | pg.PoolClient,
  readModel: string,
  userId: string,
): Promise<{ state: Storage; version: number }> {
  // pg's wire shape: bigint columns arrive as strings.
  const { rows } = await db.query<{ usedBytes: string; reservedBytes: string; version: number }>(
    `SELECT "usedBytes", "reservedBytes", version FROM ${quoteIdent(readModel)}."storage_usage" WHERE id = $1`,
    [userId],
  );
  const row = rows[0];
  if (!row) return { state: initialStorage(), version: 0 };
  return {
    state: { usedBytes: Number(row.usedBytes), reservedBytes: Number(row.reservedBytes) },
    version: row.version,
  };
}
