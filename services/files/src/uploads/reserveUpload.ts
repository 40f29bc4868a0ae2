import type { MessageMeta } from '@ledgerline/contracts';
import { isConcurrencyError } from '@ledgerline/eventsourcing';
import type { FilesDeps } from '../filesDeps.js';
import { decideStorage, evolveStorage, storageStreamId } from '../storage/storage.js';
import type { StorageSnapshot } from '../storage/storageAccounts.js';
import { loadStorage } from '../storage/storageUsage.js';
import { decide } from './decide.js';
import { initialState, type UploadRequestedData, uploadStreamId } from './upload.js';

const ATTEMPTS = 10;

/**
 * Appends UploadRequested and the owner's StorageReserved in one transaction, the storage stream at
 * the version of the snapshot the decision was made on: a concurrent writer anywhere (another
 * replica, a commit or release) makes it a conflict, never an overshoot. The append is the store's
 * own pipelined transaction (two round trips, no lock held across them); this process's requests of
 * one user take turns (StorageAccounts), and the snapshot is the one this process last wrote, so the
 * usual request reads nothing. Over the quota it throws VALIDATION with the numbers, nothing written.
 */
export function reserveUpload(
  deps: FilesDeps,
  data: UploadRequestedData,
  quotaBytes: number,
  meta?: MessageMeta,
): Promise<void> {
  return deps.storage.inTurn(data.ownerId, async () => {
    for (let attempt = 1; ; attempt++) {
      const remembered = deps.storage.get(data.ownerId);
      const snapshot = remembered ?? (await loadStorage(deps.pool, deps.readModel, data.ownerId));
      try {
        deps.storage.remember(data.ownerId, await reserveAt(deps, snapshot, data, quotaBytes, meta));
        return;
      } catch (error) {
        // A remembered snapshot may be stale either way: read afresh before a refusal or a retry.
        deps.storage.forget(data.ownerId);
        const retry = isConcurrencyError(error) || (remembered !== undefined && isQuotaRefusal(error));
        if (!retry || attempt >= ATTEMPTS) throw error;
      }
    }
  });
}

/** One attempt: decide on the snapshot, append both streams; the snapshot after the append. */
async function reserveAt(
  deps: FilesDeps,
  snapshot: StorageSnapshot,
  data: UploadRequestedData,
  quotaBytes: number,
  meta?: MessageMeta,
): Promise<StorageSnapshot> {
  const reserved = decideStorage(
    { type: 'Reserve', data: { userId: data.ownerId, fileId: data.fileId, bytes: data.size, quotaBytes } },
    snapshot.state,
  );
  const requested = decide({ type: 'RequestUpload', data }, initialState(), { now: deps.clock() });
  const result = await deps.store.appendMany(
    [
      { streamId: uploadStreamId(data.fileId), events: requested, expectedVersion: 'no_stream' },
      {
        streamId: storageStreamId(data.ownerId),
        events: reserved,
        expectedVersion: snapshot.version === 0 ? 'no_stream' : snapshot.version,
      },
    ],
    meta ? { meta } : {},
  );
  return {
    state: reserved.reduce(evolveStorage, snapshot.state),
    version: result.streams[1]!.nextExpectedVersion,
  };
}

const isQuotaRefusal = (error: unknown): boolean =>
  (error as { details?: { reason?: string } }).details?.reason === 'quota_exceeded';
