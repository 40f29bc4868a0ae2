import { IllegalStateError, NotFoundError, type RejectionReason } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import {
  type ExistingUpload,
  evolve,
  initialState,
  type PartEtag,
  type Upload,
  type UploadEvent,
  type UploadRequestedData,
} from './upload.js';

export type UploadCommand =
  | { type: 'RequestUpload'; data: UploadRequestedData }
  | { type: 'CompleteUpload'; data: { trigger: 'client' | 'notification' | 'ops'; parts: PartEtag[] | null } }
  | { type: 'RecordObjectChecked'; data: { size: number; etag: string } }
  | { type: 'RecordContentVerified'; data: { sniffedContentType: string; scanned: boolean } }
  | { type: 'RecordObjectMoved'; data: { key: string } }
  | { type: 'MarkAvailable'; data: Record<string, never> }
  | { type: 'RejectUpload'; data: { reason: RejectionReason } }
  | { type: 'ExpireUpload'; data: Record<string, never> }
  | { type: 'DeleteFile'; data: { by: string | null } }
  | { type: 'RecordObjectRemoved'; data: Record<string, never> };

export interface UploadContext {
  now: Date;
}

const FINAL = new Set(['available', 'rejected', 'expired', 'deleted']);

function existing(state: Upload): ExistingUpload {
  if (state.status === 'none') throw new NotFoundError('No such file');
  return state;
}

/** Verification steps run only while verifying; anything else is a late or duplicate step: nothing. */
const verifying = (state: Upload): state is ExistingUpload & { status: 'verifying' } =>
  state.status === 'verifying';

export function decide(command: UploadCommand, state: Upload, { now }: UploadContext): UploadEvent[] {
  const at = now.toISOString();
  switch (command.type) {
    case 'RequestUpload':
      if (state.status !== 'none') throw new IllegalStateError('This upload already exists');
      return [{ type: 'UploadRequested', data: command.data }];
    case 'CompleteUpload':
      return completeUpload(command.data, existing(state), now);
    case 'RecordObjectChecked':
      if (!verifying(state) || state.steps.checked) return [];
      return [
        {
          type: 'UploadObjectChecked',
          data: { fileId: state.request.fileId, ...command.data, checkedAt: at },
        },
      ];
    case 'RecordContentVerified':
      if (!verifying(state) || state.steps.verified || !state.steps.checked) return [];
      return [
        {
          type: 'UploadContentVerified',
          data: { fileId: state.request.fileId, ...command.data, verifiedAt: at },
        },
      ];
    case 'RecordObjectMoved':
      if (!verifying(state) || state.steps.moved || !state.steps.verified) return [];
      return [
        {
          type: 'UploadObjectMoved',
          data: { fileId: state.request.fileId, key: command.data.key, movedAt: at },
        },
      ];
    case 'MarkAvailable':
      return markAvailable(state, at);
    case 'RejectUpload': {
      const upload = existing(state);
      if (FINAL.has(upload.status)) return [];
      const { fileId, ownerId, size } = upload.request;
      return [
        {
          type: 'UploadRejected',
          data: { fileId, ownerId, reason: command.data.reason, size, rejectedAt: at },
        },
      ];
    }
    case 'ExpireUpload': {
      const upload = existing(state);
      if (upload.status !== 'awaiting_upload') return [];
      const { fileId, ownerId, size } = upload.request;
      return [{ type: 'UploadExpired', data: { fileId, ownerId, size, expiredAt: at } }];
    }
    case 'DeleteFile':
      return deleteFile(existing(state), command.data.by, at);
    case 'RecordObjectRemoved': {
      const upload = existing(state);
      if (upload.objectRemoved) return [];
      return [{ type: 'FileObjectRemoved', data: { fileId: upload.request.fileId, removedAt: at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown upload command ${JSON.stringify(unknown)}`);
    }
  }
}

function completeUpload(
  data: { trigger: 'client' | 'notification' | 'ops'; parts: PartEtag[] | null },
  upload: ExistingUpload,
  now: Date,
): UploadEvent[] {
  if (upload.status === 'verifying' || upload.status === 'available') return [];
  if (upload.status !== 'awaiting_upload') throw new IllegalStateError(`The upload is ${upload.status}`);
  if (now.getTime() > Date.parse(upload.request.expiresAt))
    throw new IllegalStateError('The upload has expired');
  const { fileId, ownerId, multipart } = upload.request;
  const parts = multipart ? data.parts : null;
  return [
    {
      type: 'UploadCompleted',
      data: { fileId, ownerId, completedAt: now.toISOString(), trigger: data.trigger, parts },
    },
  ];
}

function markAvailable(state: Upload, at: string): UploadEvent[] {
  if (!verifying(state) || !state.steps.moved || !state.steps.verified) return [];
  const { fileId, ownerId, fileName, size, sha256, purpose } = state.request;
  const contentType = state.steps.verified.sniffedContentType;
  return [
    {
      type: 'FileAvailable',
      data: { fileId, ownerId, fileName, contentType, size, sha256, purpose, availableAt: at },
    },
  ];
}

function deleteFile(upload: ExistingUpload, by: string | null, at: string): UploadEvent[] {
  if (upload.status === 'deleted') return [];
  if (upload.status === 'verifying')
    throw new IllegalStateError('The file is being verified; delete it afterwards');
  const { fileId, ownerId, size } = upload.request;
  return [{ type: 'FileDeleted', data: { fileId, ownerId, size, deletedAt: at, by } }];
}

export const uploadDecider: Decider<UploadCommand, UploadEvent, Upload, UploadContext> = {
  decide,
  evolve,
  initialState,
};
