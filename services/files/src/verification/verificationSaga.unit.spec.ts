import {
  type EventEnvelope,
  expireUploadCommand,
  rejectUploadCommand,
  removeFileObjectCommand,
  verifyUploadCommand,
} from '@ledgerline/contracts';
import {
  type CommandFailedEvent,
  type SagaInput,
  sagaEventTypes,
  timeoutsOnAppend,
} from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type VerificationSagaEvent, verificationSaga } from './verificationSaga.js';

const fileId = '01900000-0000-7000-8000-0000000000f1';
const expiresAt = '2026-11-30T11:00:00.000Z';
const envelope = (type: string, data: Record<string, unknown>): EventEnvelope =>
  ({
    id: `${type}-id`,
    type,
    schemaVersion: 1,
    streamId: `upload-${fileId}`,
    data: { fileId, ...data },
  }) as EventEnvelope;
const event = (type: string, data: Record<string, unknown> = {}): SagaInput => ({
  kind: 'event',
  messageId: `${type}-id`,
  event: envelope(type, data),
});
const stateOf = (events: (VerificationSagaEvent | CommandFailedEvent)[]) =>
  events.reduce(verificationSaga.evolve, verificationSaga.initialState());
const ctx = () => ({ now: new Date('2026-11-30T10:00:00.000Z'), sagaId: fileId });
const tracked: VerificationSagaEvent = { type: 'UploadTracked', data: { fileId, expiresAt } };
const started: VerificationSagaEvent = { type: 'VerificationStarted', data: { fileId } };
const failed = (subject: string): CommandFailedEvent => ({
  type: 'CommandFailed',
  data: {
    subject,
    idempotencyKey: 'k',
    error: { code: 'UNAVAILABLE', message: 'missing', details: { reason: 'missing' } },
  },
});
const commandFailed = (subject: string, reason = 'missing'): SagaInput => ({
  kind: 'commandFailed',
  messageId: 'k:failed',
  command: { subject, payload: { fileId } },
  idempotencyKey: 'k',
  error: { code: 'UNAVAILABLE', message: reason, details: { reason } },
});

describe('verification saga', () => {
  it("starts with the request's append: its expiry is scheduled there, and the reactor never sees the request", () => {
    const requested = { type: 'UploadRequested', data: { fileId, expiresAt } };
    expect(timeoutsOnAppend(verificationSaga, [requested, { type: 'Other', data: { fileId } }])).toEqual([
      { saga: 'upload-verification', sagaId: fileId, type: 'ExpireUpload', dueAt: new Date(expiresAt) },
    ]);
    expect(sagaEventTypes(verificationSaga).has('UploadRequested')).toBe(false);
  });

  it('on completion stops the expiry clock and sends VerifyUpload; a duplicate does nothing', () => {
    // A fresh instance (started on append: no stream yet) and one stored before (UploadTracked) alike.
    for (const before of [[], [tracked]]) {
      expect(verificationSaga.decide(event('UploadCompleted'), stateOf(before), ctx())).toEqual({
        events: [started],
        commands: [{ subject: verifyUploadCommand.subject, payload: { fileId } }],
        cancelSchedules: ['ExpireUpload'],
      });
      expect(verificationSaga.decide(event('UploadCompleted'), stateOf([...before, started]), ctx())).toEqual(
        {},
      );
    }
  });

  it('expires an upload still awaiting its bytes, and not one being verified', () => {
    const timeout: SagaInput = {
      kind: 'timeout',
      messageId: 't',
      type: 'ExpireUpload',
      payload: { fileId },
      dueAt: expiresAt,
    };
    const expiring: VerificationSagaEvent = { type: 'UploadExpiring', data: { fileId } };
    for (const before of [[], [tracked]]) {
      expect(verificationSaga.decide(timeout, stateOf(before), ctx())).toEqual({
        events: [expiring],
        commands: [{ subject: expireUploadCommand.subject, payload: { fileId } }],
      });
    }
    expect(verificationSaga.decide(timeout, stateOf([expiring]), ctx())).toEqual({});
    // Completed as the expiry fell due (the upload ignored ExpireUpload): it is still verified.
    expect(verificationSaga.decide(event('UploadCompleted'), stateOf([expiring]), ctx())).toMatchObject({
      commands: [{ subject: verifyUploadCommand.subject, payload: { fileId } }],
    });
    expect(verificationSaga.decide(timeout, stateOf([tracked, started]), ctx())).toEqual({});
  });

  it('removes the object after a rejection or deletion, and dead-letters a removal that keeps failing', () => {
    expect(
      verificationSaga.decide(event('UploadRejected'), stateOf([tracked, started]), ctx()),
    ).toMatchObject({
      commands: [{ subject: removeFileObjectCommand.subject, payload: { fileId } }],
      cancelSchedules: ['ExpireUpload', 'Retry'],
    });
    const subject = removeFileObjectCommand.subject;
    const exhausted = stateOf([
      tracked,
      ...DEFAULT_TIMINGS.removalRetryDelaysMs.map(() => failed(subject)),
      failed(subject),
    ]);
    expect(() => verificationSaga.decide(commandFailed(subject), exhausted, ctx())).toThrow(/failed 7 times/);
  });

  it('retries a failed removal after a delay', () => {
    const subject = removeFileObjectCommand.subject;
    expect(
      verificationSaga.decide(commandFailed(subject), stateOf([tracked, failed(subject)]), ctx()),
    ).toEqual({
      schedule: [
        {
          type: 'Retry',
          dueAt: new Date(ctx().now.getTime() + DEFAULT_TIMINGS.removalRetryDelaysMs[0]!),
          payload: { subject, payload: { fileId } },
        },
      ],
    });
  });

  it('retries a failed verification after growing delays, then rejects with the reason of the last failure', () => {
    const subject = verifyUploadCommand.subject;
    const once = stateOf([tracked, started, failed(subject)]);
    expect(verificationSaga.decide(commandFailed(subject), once, ctx())).toEqual({
      schedule: [
        {
          type: 'Retry',
          dueAt: new Date(ctx().now.getTime() + DEFAULT_TIMINGS.verifyRetryDelaysMs[0]!),
          payload: { subject, payload: { fileId } },
        },
      ],
    });
    const exhausted = stateOf([
      tracked,
      started,
      ...DEFAULT_TIMINGS.verifyRetryDelaysMs.map(() => failed(subject)),
      failed(subject),
    ]);
    expect(verificationSaga.decide(commandFailed(subject, 'scan_unavailable'), exhausted, ctx())).toEqual({
      commands: [{ subject: rejectUploadCommand.subject, payload: { fileId, reason: 'scan_unavailable' } }],
    });
    expect(verificationSaga.decide(commandFailed(subject), exhausted, ctx())).toEqual({
      commands: [{ subject: rejectUploadCommand.subject, payload: { fileId, reason: 'missing' } }],
    });
  });

  it('ignores a failed verification once the upload has settled', () => {
    const subject = verifyUploadCommand.subject;
    const settled: VerificationSagaEvent = { type: 'UploadSettled', data: { fileId, outcome: 'expired' } };
    const state = stateOf([tracked, started, settled, failed(subject)]);
    expect(verificationSaga.decide(commandFailed(subject), state, ctx())).toEqual({});
  });
});
