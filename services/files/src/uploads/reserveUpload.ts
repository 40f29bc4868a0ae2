import type { MessageMeta } from '@ledgerline/contracts';
import {
  detachedFromTraces,
  isConcurrencyError,
  type NewEvent,
  type StreamAppend,
  stampTrace,
} from '@ledgerline/eventsourcing';
import type { FilesDeps } from '../filesDeps.js';
import { KeyedTurns, type Outcome } from '../storage/keyedTurns.js';
import { decideStorage, evolveStorage, type Storage, storageStreamId } from '../storage/storage.js';
import type { StorageSnapshot } from '../storage/storageAccounts.js';
import { loadStorage } from '../storage/storageUsage.js';
import { decide } from './decide.js';
import { initialState, type UploadRequestedData, uploadStreamId } from './upload.js';

const ATTEMPTS = 10;

/** One upload request's claim on its owner's quota. */
export interface Reservation {
  data: UploadRequestedData;
  quotaBytes: number;
  meta: Partial<MessageMeta>;
}

/**
 * Appends UploadRequested and the owner's StorageReserved in one transaction, the storage stream at
 * the version of the snapshot the decision was made on: a concurrent writer anywhere (another
 * replica, a commit or release) makes it a conflict, never an overshoot. Over the quota it throws
 * VALIDATION with the numbers, nothing written. This process's requests of one user take turns
 * (`deps.reservations`), and the requests that arrive during a turn go together in the next: each
 * is decided on the state the ones before it leave, and all of them are one append (their upload
 * streams and one append to the storage stream). A client that starts 20 uploads at once costs one
 * turn, not 20 in a row.
 */
export function reserveUpload(
  deps: FilesDeps,
  data: UploadRequestedData,
  quotaBytes: number,
  meta?: MessageMeta,
): Promise<void> {
  // The request's trace, taken now: the turn that appends runs for several requests at once.
  return deps.reservations.submit(data.ownerId, { data, quotaBytes, meta: stampTrace({ ...meta }) });
}

/** The turns of `reserveUpload`, one per user at a time (FilesDeps.reservations). */
export const reservationTurns = (deps: () => FilesDeps) =>
  new KeyedTurns<string, Reservation, void>((userId, reservations) =>
    // Outside any one request's trace: each event carries its own request's (stamped at submit).
    detachedFromTraces(() => reserveTogether(deps(), userId, reservations)),
  );

/**
 * One turn for `userId`: decide every reservation on the remembered snapshot (the one this process
 * last wrote, so the usual turn reads nothing), append the accepted ones. A refusal made on a
 * remembered snapshot, or a conflict, is decided again on a fresh read.
 */
export async function reserveTogether(
  deps: FilesDeps,
  userId: string,
  reservations: Reservation[],
): Promise<Array<Outcome<void>>> {
  for (let attempt = 1; ; attempt++) {
    const remembered = deps.storage.get(userId);
    const snapshot = remembered ?? (await loadStorage(deps.pool, deps.readModel, userId));
    const { outcomes, accepted, state } = decideAll(deps, snapshot.state, reservations);
    if (remembered !== undefined && outcomes.some(isQuotaRefusal)) {
      deps.storage.forget(userId); // it may be stale either way: refuse only on what is stored
      continue;
    }
    if (accepted.length === 0) return outcomes;
    try {
      const version = await appendAccepted(deps, snapshot, userId, accepted);
      deps.storage.remember(userId, { state, version });
      return outcomes;
    } catch (error) {
      deps.storage.forget(userId);
      if (!isConcurrencyError(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

interface Accepted {
  reservation: Reservation;
  requested: NewEvent[];
  reserved: NewEvent[];
}

/** Each reservation decided on the state the ones before it leave. */
function decideAll(deps: FilesDeps, start: Storage, reservations: Reservation[]) {
  const outcomes: Array<Outcome<void>> = [];
  const accepted: Accepted[] = [];
  let state = start;
  for (const reservation of reservations) {
    const { data, quotaBytes, meta } = reservation;
    try {
      const reserved = decideStorage(
        {
          type: 'Reserve',
          data: { userId: data.ownerId, fileId: data.fileId, bytes: data.size, quotaBytes },
        },
        state,
      );
      const requested = decide({ type: 'RequestUpload', data }, initialState(), { now: deps.clock() });
      state = reserved.reduce(evolveStorage, state);
      // The storage stream's events carry the meta of the request each belongs to.
      accepted.push({ reservation, requested, reserved: reserved.map((e) => ({ ...e, meta })) });
      outcomes.push({ value: undefined });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { outcomes, accepted, state };
}

/** The accepted uploads' streams and the storage stream, one append; the storage stream's new version. */
async function appendAccepted(
  deps: FilesDeps,
  snapshot: StorageSnapshot,
  userId: string,
  accepted: Accepted[],
): Promise<number> {
  const uploads: StreamAppend[] = accepted.map(({ reservation, requested }) => ({
    streamId: uploadStreamId(reservation.data.fileId),
    events: requested,
    expectedVersion: 'no_stream',
    meta: reservation.meta,
  }));
  const storage: StreamAppend = {
    streamId: storageStreamId(userId),
    events: accepted.flatMap((a) => a.reserved),
    expectedVersion: snapshot.version === 0 ? 'no_stream' : snapshot.version,
  };
  const result = await deps.store.appendMany([...uploads, storage]);
  return result.streams.at(-1)!.nextExpectedVersion;
}

const isQuotaRefusal = (outcome: Outcome<void>): boolean =>
  'error' in outcome &&
  (outcome.error as { details?: { reason?: string } }).details?.reason === 'quota_exceeded';
