import type { FileStatus, RejectionReason } from '@ledgerline/contracts';

// The Upload aggregate (stream `upload-<fileId>`): from the request through verification to a file,
// a rejection, an expiry or a deletion. Pure: events, state and evolve.

export const uploadStreamId = (fileId: string) => `upload-${fileId}`;
/** Where the client's bytes land (quarantine); the key never comes from user input. */
export const quarantineKey = (fileId: string) => `incoming/${fileId}`;
/** Where a verified file lives. */
export const finalKey = (ownerId: string, fileId: string) => `files/${ownerId}/${fileId}`;

export interface PartEtag {
  partNumber: number;
  etag: string;
}

export interface UploadRequestedData {
  fileId: string;
  ownerId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  purpose: string | null;
  multipart: boolean;
  multipartUploadId: string | null;
  partSize: number | null;
  partCount: number | null;
  requestedAt: string;
  expiresAt: string;
}

export type UploadEvent =
  | { type: 'UploadRequested'; data: UploadRequestedData }
  | {
      type: 'UploadCompleted';
      data: {
        fileId: string;
        ownerId: string;
        completedAt: string;
        trigger: 'client' | 'notification' | 'ops';
        parts: PartEtag[] | null;
      };
    }
  | { type: 'UploadObjectChecked'; data: { fileId: string; size: number; etag: string; checkedAt: string } }
  | {
      type: 'UploadContentVerified';
      data: { fileId: string; sniffedContentType: string; scanned: boolean; verifiedAt: string };
    }
  | { type: 'UploadObjectMoved'; data: { fileId: string; key: string; movedAt: string } }
  | {
      type: 'FileAvailable';
      data: {
        fileId: string;
        ownerId: string;
        fileName: string;
        contentType: string;
        size: number;
        sha256: string;
        purpose: string | null;
        availableAt: string;
      };
    }
  | {
      type: 'UploadRejected';
      data: { fileId: string; ownerId: string; reason: RejectionReason; size: number; rejectedAt: string };
    }
  | { type: 'UploadExpired'; data: { fileId: string; ownerId: string; size: number; expiredAt: string } }
  | {
      type: 'FileDeleted';
      data: { fileId: string; ownerId: string; size: number; deletedAt: string; by: string | null };
    }
  | { type: 'FileObjectRemoved'; data: { fileId: string; removedAt: string } };

/** Verification progress: each step is recorded, so a restart resumes after the last one. */
export interface VerificationSteps {
  checked?: { size: number; etag: string };
  verified?: { sniffedContentType: string; scanned: boolean };
  moved?: boolean;
}

export type Upload =
  | { status: 'none' }
  | {
      status: FileStatus;
      request: UploadRequestedData;
      parts: PartEtag[] | null;
      steps: VerificationSteps;
      reason: RejectionReason | null;
      completedAt: string | null;
      objectRemoved: boolean;
    };
export type ExistingUpload = Exclude<Upload, { status: 'none' }>;

export const initialState = (): Upload => ({ status: 'none' });

export function evolve(state: Upload, event: UploadEvent): Upload {
  if (event.type === 'UploadRequested') {
    return {
      status: 'awaiting_upload',
      request: event.data,
      parts: null,
      steps: {},
      reason: null,
      completedAt: null,
      objectRemoved: false,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'UploadCompleted':
      return { ...state, status: 'verifying', parts: event.data.parts, completedAt: event.data.completedAt };
    case 'UploadObjectChecked':
      return {
        ...state,
        steps: { ...state.steps, checked: { size: event.data.size, etag: event.data.etag } },
      };
    case 'UploadContentVerified': {
      const { sniffedContentType, scanned } = event.data;
      return { ...state, steps: { ...state.steps, verified: { sniffedContentType, scanned } } };
    }
    case 'UploadObjectMoved':
      return { ...state, steps: { ...state.steps, moved: true } };
    case 'FileAvailable':
      return { ...state, status: 'available' };
    case 'UploadRejected':
      return { ...state, status: 'rejected', reason: event.data.reason };
    case 'UploadExpired':
      return { ...state, status: 'expired' };
    case 'FileDeleted':
      return { ...state, status: 'deleted' };
    case 'FileObjectRemoved':
      return { ...state, objectRemoved: true };
    default: {
      const unknown: never = event;
      throw new Error(`unknown upload event ${JSON.stringify(unknown)}`);
    }
  }
}
