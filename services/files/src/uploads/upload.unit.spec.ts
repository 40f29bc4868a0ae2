import { IllegalStateError, NotFoundError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { decide, type UploadCommand } from './decide.js';
import { evolve, initialState, type UploadEvent, type UploadRequestedData } from './upload.js';

const fileId = '01900000-0000-7000-8000-0000000000f1';
const ownerId = '01900000-0000-7000-8000-0000000000a1';
const requested: UploadRequestedData = {
  fileId,
  ownerId,
  fileName: 'report.pdf',
  contentType: 'application/pdf',
  size: 1234,
  sha256: 'a'.repeat(64),
  purpose: null,
  multipart: false,
  multipartUploadId: null,
  partSize: null,
  partCount: null,
  requestedAt: '2026-11-30T10:00:00.000Z',
  expiresAt: '2026-11-30T11:00:00.000Z',
};

const given = (events: UploadEvent[]) => ({
  when: (command: UploadCommand, now = new Date('2026-11-30T10:30:00.000Z')) =>
    decide(command, events.reduce(evolve, initialState()), { now }),
});

const at = '2026-11-30T10:30:00.000Z';
const requestedEvent: UploadEvent = { type: 'UploadRequested', data: requested };
const completed: UploadEvent = {
  type: 'UploadCompleted',
  data: { fileId, ownerId, completedAt: at, trigger: 'client', parts: null },
};
const checked: UploadEvent = {
  type: 'UploadObjectChecked',
  data: { fileId, size: 1234, etag: '"e"', checkedAt: at },
};
const verified: UploadEvent = {
  type: 'UploadContentVerified',
  data: { fileId, sniffedContentType: 'application/pdf', scanned: false, verifiedAt: at },
};
const moved: UploadEvent = {
  type: 'UploadObjectMoved',
  data: { fileId, key: `files/${ownerId}/${fileId}`, movedAt: at },
};
const complete = { type: 'CompleteUpload', data: { trigger: 'client', parts: null } } as const;

describe('Upload decider', () => {
  it('requests once', () => {
    expect(given([]).when({ type: 'RequestUpload', data: requested })).toEqual([requestedEvent]);
    expect(() => given([requestedEvent]).when({ type: 'RequestUpload', data: requested })).toThrow(
      IllegalStateError,
    );
  });

  it('completes once: a second complete (or a notification after it) decides nothing', () => {
    expect(given([requestedEvent]).when(complete)).toEqual([completed]);
    expect(given([requestedEvent, completed]).when(complete)).toEqual([]);
    expect(
      given([requestedEvent, completed]).when({
        ...complete,
        data: { trigger: 'notification', parts: null },
      }),
    ).toEqual([]);
  });

  it('refuses to complete after the deadline, an unknown upload, or a rejected one', () => {
    expect(() => given([requestedEvent]).when(complete, new Date('2026-11-30T11:00:01.000Z'))).toThrow(
      IllegalStateError,
    );
    expect(() => given([]).when(complete)).toThrow(NotFoundError);
    const rejected: UploadEvent = {
      type: 'UploadRejected',
      data: { fileId, ownerId, reason: 'checksum_mismatch', size: 1234, rejectedAt: at },
    };
    expect(() => given([requestedEvent, completed, rejected]).when(complete)).toThrow(IllegalStateError);
  });

  it('records each verification step once and only in order', () => {
    const check = { type: 'RecordObjectChecked', data: { size: 1234, etag: '"e"' } } as const;
    expect(given([requestedEvent]).when(check)).toEqual([]);
    expect(given([requestedEvent, completed]).when(check)).toEqual([checked]);
    expect(given([requestedEvent, completed, checked]).when(check)).toEqual([]);
    const verify = {
      type: 'RecordContentVerified',
      data: { sniffedContentType: 'application/pdf', scanned: false },
    } as const;
    expect(given([requestedEvent, completed]).when(verify)).toEqual([]);
    expect(given([requestedEvent, completed, checked]).when(verify)).toEqual([verified]);
    expect(given([requestedEvent, completed, checked]).when({ type: 'MarkAvailable', data: {} })).toEqual([]);
  });

  it('makes the file available once, with the verified type', () => {
    const history = [requestedEvent, completed, checked, verified, moved];
    const available: UploadEvent = {
      type: 'FileAvailable',
      data: {
        fileId,
        ownerId,
        fileName: 'report.pdf',
        contentType: 'application/pdf',
        size: 1234,
        sha256: 'a'.repeat(64),
        purpose: null,
        availableAt: at,
      },
    };
    expect(given(history).when({ type: 'MarkAvailable', data: {} })).toEqual([available]);
    expect(given([...history, available]).when({ type: 'MarkAvailable', data: {} })).toEqual([]);
    expect(
      given([...history, available]).when({ type: 'RejectUpload', data: { reason: 'missing' } }),
    ).toEqual([]);
  });

  it('expires only an upload still awaiting its bytes', () => {
    const expired: UploadEvent = {
      type: 'UploadExpired',
      data: { fileId, ownerId, size: 1234, expiredAt: at },
    };
    expect(given([requestedEvent]).when({ type: 'ExpireUpload', data: {} })).toEqual([expired]);
    expect(given([requestedEvent, completed]).when({ type: 'ExpireUpload', data: {} })).toEqual([]);
  });

  it('deletes a file but not one being verified; a second delete is a no-op', () => {
    const deleted: UploadEvent = {
      type: 'FileDeleted',
      data: { fileId, ownerId, size: 1234, deletedAt: at, by: ownerId },
    };
    expect(given([requestedEvent]).when({ type: 'DeleteFile', data: { by: ownerId } })).toEqual([deleted]);
    expect(() =>
      given([requestedEvent, completed]).when({ type: 'DeleteFile', data: { by: ownerId } }),
    ).toThrow(IllegalStateError);
    expect(given([requestedEvent, deleted]).when({ type: 'DeleteFile', data: { by: ownerId } })).toEqual([]);
  });
});
