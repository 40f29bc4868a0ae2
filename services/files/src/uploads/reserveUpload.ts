import type { MessageMeta } from '@ledgerline/contracts';
import {
  detachedFromTraces,
  isConcurrencyError,
  type NewEvent,
  type StreamAppend,
  stampTrace,
  timeoutsOnAppend,
} from '@ledgerline/eventsourcing';
import type { FilesDeps } from '../filesDeps.js';
import { KeyedTurns, type Outcome, type TurnResult } from '../storage/keyedTurns.js';
import { decideStorage, evolveStorage, type Storage, storageStreamId } from '../storage/storage.js';
import type { StorageSnapshot } from '../storage/storageAccounts.js';
import { loadStorage } from '../storage/storageUsage.js';
import { verificationSaga } from '../verification/verificationSaga.js';
import { decide } from './decide.js';
import { initialState, type UploadRequestedData, uploadStreamId } from './upload.js';

const ATTEMPTS = 10;

/** One upload request's claim on its owner's quota. */
export interface Reservation {
  data: UploadRequestedData;
  quotaBytes: number;
  meta: Partial<MessageMeta>;
  /** 1, and one more each time a conflict sends it back for another turn (at most ATTEMPTS). */
  attempt: number;
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
  return deps.reservations.submit(data.ownerId, {
    data,
    quotaBytes,
    meta: stampTrace({ ...meta }),
    attempt: 1,
  });
}

/** The turns of `reserveUpload`, one per user at a time (FilesDeps.reservations). */
export const reservationTurns = (deps: () => FilesDeps) =>
  new KeyedTurns<string, Reservation, void>((userId, reservations) =>
    // Outside any one request's trace: each event carries its own request's (stamped at submit).
    detachedFromTraces(() => reserveTogether(deps(), userId, reservations)),
  );

/**
 * One turn for `userId`: decide every reservation on the remembered snapshot (the state this
 * process last wrote, or is writing, so the usual turn reads nothing), submit the accepted ones'
 * append, and end the turn: the next turn decides on the state this one leaves while the append is
 * in flight (its own append queued behind, at the following version), so a user's requests do not
 * wait for each other's commits. A refusal made on a remembered snapshot is decided again on a
 * fresh read; an append that conflicts (another replica wrote, or the append the snapshot counted
 * on failed) sends its reservations back for another turn.
 */
export async function reserveTogether(
  deps: FilesDeps,
  userId: string,
  reservations: Reservation[],
): Promise<TurnResult<void>> {
  for (;;) {
    const remembered = deps.storage.get(userId);
    const snapshot = remembered ?? (await loadStorage(deps.pool, deps.readModel, userId));
    const { outcomes, accepted, state } = decideAll(deps, snapshot.state, reservations);
    if (remembered !== undefined && outcomes.some(isQuotaRefusal)) {
      deps.storage.forget(userId); // it may be stale either way: refuse only on what is stored
      continue;
    }
    if (accepted.length === 0) return { outcomes: Promise.resolve(outcomes) };
    const { appended, version } = appendAccepted(deps, snapshot, userId, accepted);
    deps.storage.remember(userId, { state, version });
    return {
      outcomes: appended.then(
        () => outcomes,
        (error: unknown) => decidedAgain(deps, userId, accepted, outcomes, error),
      ),
    };
  }
}

/** After a failed append: nothing was written; on a conflict each accepted reservation takes another turn. */
async function decidedAgain(
  deps: FilesDeps,
  userId: string,
  accepted: Accepted[],
  outcomes: Array<Outcome<void>>,
  error: unknown,
): Promise<Array<Outcome<void>>> {
  deps.storage.forget(userId); // the snapshot counted on this append (and so may the next turn's)
  if (!isConcurrencyError(error)) throw error;
  const again = [...outcomes];
  await Promise.all(
    accepted.map(async ({ reservation, index }) => {
      if (reservation.attempt >= ATTEMPTS) {
        again[index] = { error };
        return;
      }
      try {
        await deps.reservations.submit(userId, { ...reservation, attempt: reservation.attempt + 1 });
        again[index] = { value: undefined };
      } catch (failure) {
        again[index] = { error: failure };
      }
    }),
  );
  return again;
}

interface Accepted {
  reservation: Reservation;
  /** Its place among the turn's reservations (and outcomes). */
  index: number;
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
      accepted.push({
        reservation,
        index: outcomes.length,
        requested,
        reserved: reserved.map((e) => ({ ...e, meta })),
      });
      outcomes.push({ value: undefined });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { outcomes, accepted, state };
}

/**
 * The accepted uploads' streams and the storage stream, one append, submitted now; with the storage
 * stream's version once it commits.
 */
function appendAccepted(
  deps: FilesDeps,
  snapshot: StorageSnapshot,
  userId: string,
  accepted: Accepted[],
): { appended: Promise<void>; version: number } {
  const uploads: StreamAppend[] = accepted.map(({ reservation, requested }) => ({
    streamId: uploadStreamId(reservation.data.fileId),
    events: requested,
    expectedVersion: 'no_stream',
    meta: reservation.meta,
    // The verification saga starts here: its expiry commits with the request or not at all.
    schedule: timeoutsOnAppend(verificationSaga, requested),
    returnProjected: false, // the reply is built from the decision, not from the read model
  }));
  const storage: StreamAppend = {
    streamId: storageStreamId(userId),
    events: accepted.flatMap((a) => a.reserved),
    expectedVersion: snapshot.version === 0 ? 'no_stream' : snapshot.version,
    returnProjected: false,
  };
  const appended = deps.store.appendMany([...uploads, storage]).then(() => undefined);
  return { appended, version: snapshot.version + storage.events.length };
}

const isQuotaRefusal = (outcome: Outcome<void>): boolean =>
  'error' in outcome &&
  (outcome.error as { details?: { reason?: string } }).details?.reason === 'quota_exceeded';
