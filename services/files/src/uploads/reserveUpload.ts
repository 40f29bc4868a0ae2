import type { MessageMeta } from '@ledgerline/contracts';
import { isConcurrencyError } from '@ledgerline/eventsourcing';
import type { FilesDeps } from '../filesDeps.js';
import { decideStorage, storageStreamId } from '../storage/storage.js';
import { loadStorage } from '../storage/storageUsage.js';
import { decide } from './decide.js';
import { initialState, type UploadRequestedData, uploadStreamId } from './upload.js';

/**
 * Appends UploadRequested and the owner's StorageReserved in one transaction that holds the owner's
 * advisory lock: concurrent requests of one user queue on the lock instead of racing on the storage
 * stream's version (which cost each loser a full retry), and the stream's expected version still
 * guards against any writer that does not take the lock. Over the quota it throws VALIDATION with
 * the numbers and nothing is written.
 */
export async function reserveUpload(
  deps: FilesDeps,
  data: UploadRequestedData,
  quotaBytes: number,
  meta?: MessageMeta,
): Promise<void> {
  // Commits and releases (verification, expiry, delete) append to the same stream without the lock:
  // such a race costs one more attempt, read afresh.
  for (let attempt = 1; ; attempt++) {
    try {
      return await reserveOnce(deps, data, quotaBytes, meta);
    } catch (error) {
      if (!isConcurrencyError(error) || attempt >= 10) throw error;
    }
  }
}

async function reserveOnce(
  deps: FilesDeps,
  data: UploadRequestedData,
  quotaBytes: number,
  meta?: MessageMeta,
): Promise<void> {
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('files-storage'), hashtext($1))`, [
      data.ownerId,
    ]);
    const storage = await loadStorage(client, deps.readModel, data.ownerId);
    const reserved = decideStorage(
      { type: 'Reserve', data: { userId: data.ownerId, fileId: data.fileId, bytes: data.size, quotaBytes } },
      storage.state,
    );
    const requested = decide({ type: 'RequestUpload', data }, initialState(), { now: deps.clock() });
    await deps.store.appendManyWith(
      client,
      [
        { streamId: uploadStreamId(data.fileId), events: requested, expectedVersion: 'no_stream' },
        {
          streamId: storageStreamId(data.ownerId),
          events: reserved,
          expectedVersion: storage.version === 0 ? 'no_stream' : storage.version,
        },
      ],
      meta ? { meta } : {},
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  deps.store.notifyAppended();
}
