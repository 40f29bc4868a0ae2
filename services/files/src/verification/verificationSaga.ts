import {
  type ErrorShape,
  type EventEnvelope,
  expireUploadCommand,
  type RejectionReason,
  rejectUploadCommand,
  removeFileObjectCommand,
  verifyUploadCommand,
} from '@ledgerline/contracts';
import type {
  CommandFailedEvent,
  SagaCommand,
  SagaDecision,
  SagaDefinition,
  SagaInput,
} from '@ledgerline/eventsourcing';

// The saga of one upload (instance = fileId): the expiry timeout until the upload is completed;
// verification (`VerifyUpload`: HEAD → hash + sniff → scan → copy → delete, each step recorded on
// the upload, so a resent command resumes after the last one), retried while the object is not
// there or clamd is down, then `RejectUpload`; and the cleanup of the object after a rejection, an
// expiry or a deletion, retried and then dead-lettered. The kernel sends the commands of
// `commandConcurrency` uploads at once; one upload's commands go out in order.

/** Uploads whose commands are in flight at once (a verification reads the whole object). */
export const VERIFICATIONS_IN_FLIGHT = 8;

/** The saga's clock: retry ladders and how long one command may take (config, see config.ts). */
export interface VerificationTimings {
  /** Delay before verification attempt n+1 after n failed ones; after the last, the upload is rejected. */
  readonly verifyRetryDelaysMs: readonly number[];
  /** Delay before cleanup attempt n+1; after the last one the failure is dead-lettered. */
  readonly removalRetryDelaysMs: readonly number[];
  /**
   * Reply timeout of one command: a longer VerifyUpload is resent and joins the run in progress.
   * It also bounds how long a crashed process's claim on a command holds up the resend (+10 s).
   */
  readonly commandTimeoutMs: number;
}

/** `attempts` delays doubling from `firstMs`. */
export const doubling = (firstMs: number, attempts: number): number[] =>
  Array.from({ length: attempts }, (_, i) => firstMs * 2 ** i);

export const DEFAULT_TIMINGS: VerificationTimings = {
  verifyRetryDelaysMs: doubling(500, 5),
  removalRetryDelaysMs: doubling(1_000, 6),
  commandTimeoutMs: 10_000,
};

/** Why the last verification attempt failed, as the rejection reason (fail closed either way). */
const reasonOf = (error: ErrorShape): RejectionReason =>
  error.details?.reason === 'scan_unavailable' ? 'scan_unavailable' : 'missing';

export type VerificationSagaEvent =
  // Written by the saga's first step before it started on append; kept for stored instances.
  | { type: 'UploadTracked'; data: { fileId: string; expiresAt: string } }
  | { type: 'UploadExpiring'; data: { fileId: string } }
  | { type: 'VerificationStarted'; data: { fileId: string } }
  | { type: 'UploadSettled'; data: { fileId: string; outcome: 'available' | 'rejected' | 'expired' } }
  | { type: 'ObjectRemovalRequested'; data: { fileId: string } };

export interface VerificationSagaState {
  /**
   * `none`: awaiting the bytes (the instance has no stream yet: it started with the request's
   * append, which scheduled its expiry); `awaiting`: the same, for instances stored before that.
   */
  status: 'none' | 'awaiting' | 'expiring' | 'verifying' | 'settled';
  failures: Record<string, number>;
}

const RETRY = 'Retry';
const EXPIRE = 'ExpireUpload';

const fileIdOf = (event: EventEnvelope): string | undefined => {
  const fileId = (event.data as { fileId?: unknown } | null)?.fileId;
  return typeof fileId === 'string' ? fileId : undefined;
};

/** The saga with the given timings (the service makes it from its config). */
export const defineVerificationSaga = (
  timings: VerificationTimings = DEFAULT_TIMINGS,
): SagaDefinition<VerificationSagaState, VerificationSagaEvent> => ({
  name: 'upload-verification',
  // Started by UploadRequested, in its own append: the expiry is scheduled with the request, so a
  // request costs no saga event and no reactor round (a quarter of POST /files/uploads' throughput).
  startsOnAppend: {
    UploadRequested: (event) => [
      { type: EXPIRE, dueAt: new Date((event.data as { expiresAt: string }).expiresAt) },
    ],
  },
  startedBy: ['UploadCompleted', 'FileDeleted'],
  handles: ['FileAvailable', 'UploadRejected', 'UploadExpired'],
  correlationId: fileIdOf,
  commandConcurrency: VERIFICATIONS_IN_FLIGHT,
  commandTimeoutMs: timings.commandTimeoutMs,
  initialState: () => ({ status: 'none', failures: {} }),
  evolve(state, event: VerificationSagaEvent | CommandFailedEvent) {
    switch (event.type) {
      case 'UploadTracked':
        return { ...state, status: 'awaiting' };
      case 'UploadExpiring':
        return { ...state, status: 'expiring' };
      case 'VerificationStarted':
        return { ...state, status: 'verifying' };
      case 'UploadSettled':
        return { ...state, status: 'settled' };
      case 'ObjectRemovalRequested':
        return state;
      case 'CommandFailed': {
        const subject = event.data.subject;
        return { ...state, failures: { ...state.failures, [subject]: (state.failures[subject] ?? 0) + 1 } };
      }
    }
  },
  decide(input, state, { now, sagaId }) {
    switch (input.kind) {
      case 'event':
        return onEvent(input.event, state);
      case 'timeout':
        return onTimeout(input, state, sagaId);
      case 'commandFailed':
        return onFailure(input, state, now, timings);
    }
  },
});

/** The saga with the default timings. */
export const verificationSaga = defineVerificationSaga();

const command = (subject: string, fileId: string, extra: Record<string, unknown> = {}): SagaCommand => ({
  subject,
  payload: { fileId, ...extra },
});

function onEvent(event: EventEnvelope, state: VerificationSagaState): SagaDecision<VerificationSagaEvent> {
  const fileId = fileIdOf(event)!;
  switch (event.type) {
    case 'UploadCompleted':
      // Also when expiring: an expiry due as the upload completed is a no-op on the upload, and the
      // completion still needs its verification.
      if (!awaitingBytes(state) && state.status !== 'expiring') return {};
      return {
        events: [{ type: 'VerificationStarted', data: { fileId } }],
        commands: [command(verifyUploadCommand.subject, fileId)],
        cancelSchedules: [EXPIRE],
      };
    case 'FileAvailable':
      return settle(fileId, 'available', []);
    case 'UploadRejected':
      return settle(fileId, 'rejected', [command(removeFileObjectCommand.subject, fileId)]);
    case 'UploadExpired':
      return settle(fileId, 'expired', [command(removeFileObjectCommand.subject, fileId)]);
    case 'FileDeleted':
      return {
        events: [{ type: 'ObjectRemovalRequested', data: { fileId } }],
        commands: [command(removeFileObjectCommand.subject, fileId)],
      };
    default:
      return {};
  }
}

const awaitingBytes = (state: VerificationSagaState): boolean =>
  state.status === 'none' || state.status === 'awaiting';

function settle(fileId: string, outcome: 'available' | 'rejected' | 'expired', commands: SagaCommand[]) {
  return {
    events: [{ type: 'UploadSettled' as const, data: { fileId, outcome } }],
    commands,
    cancelSchedules: [EXPIRE, RETRY],
  };
}

function onTimeout(
  input: Extract<SagaInput, { kind: 'timeout' }>,
  state: VerificationSagaState,
  fileId: string,
): SagaDecision<VerificationSagaEvent> {
  if (input.type === EXPIRE) {
    if (!awaitingBytes(state)) return {};
    return {
      events: [{ type: 'UploadExpiring', data: { fileId } }],
      commands: [command(expireUploadCommand.subject, fileId)],
    };
  }
  if (input.type === RETRY) return { commands: [input.payload as SagaCommand] };
  return {};
}

function onFailure(
  input: Extract<SagaInput, { kind: 'commandFailed' }>,
  state: VerificationSagaState,
  now: Date,
  { verifyRetryDelaysMs, removalRetryDelaysMs }: VerificationTimings,
): SagaDecision<VerificationSagaEvent> {
  const failed = input.command;
  const attempts = state.failures[failed.subject] ?? 0;
  const fileId = (failed.payload as { fileId: string }).fileId;
  if (failed.subject === verifyUploadCommand.subject) {
    if (state.status !== 'verifying') return {}; // settled meanwhile (rejected, deleted)
    if (attempts <= verifyRetryDelaysMs.length) {
      const dueAt = new Date(now.getTime() + verifyRetryDelaysMs[attempts - 1]!);
      return { schedule: [{ type: RETRY, dueAt, payload: failed }] };
    }
    return { commands: [command(rejectUploadCommand.subject, fileId, { reason: reasonOf(input.error) })] };
  }
  if (attempts <= removalRetryDelaysMs.length) {
    const dueAt = new Date(now.getTime() + removalRetryDelaysMs[attempts - 1]!);
    return { schedule: [{ type: RETRY, dueAt, payload: failed }] };
  }
  // Parked by the kernel as a saga dead letter (never forgotten; `ops dead-letters` lists it).
  throw new Error(`${failed.subject} for file ${fileId} failed ${attempts} times: ${input.error.message}`);
}
