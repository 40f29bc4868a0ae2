import { defineProjection } from '@ledgerline/eventsourcing';
// Aliased: `File` is also Node's global (the Blob kind).
import type { File as FileRow } from '../../generated/prisma/client.js';
import type { UploadEvent } from '../upload.js';

const HANDLED = [
  'UploadRequested',
  'UploadCompleted',
  'UploadContentVerified',
  'FileAvailable',
  'UploadRejected',
  'UploadExpired',
  'FileDeleted',
] as const satisfies readonly UploadEvent['type'][];
type Handled = Extract<UploadEvent, { type: (typeof HANDLED)[number] }>;

/**
 * The `files` table (prisma/schema/files.prisma): the files list and detail, inline, so a command's
 * caller reads its own write.
 */
export const filesProjection = defineProjection<Handled, FileRow>({
  name: 'files',
  table: 'files',
  canHandle: HANDLED,
  documentId: (event) => event.data.fileId,
  evolve(row, event) {
    const at = new Date(event.occurredAt);
    if (event.type === 'UploadRequested') {
      const d = event.data;
      return {
        id: d.fileId,
        ownerId: d.ownerId,
        fileName: d.fileName,
        contentType: d.contentType,
        sniffedContentType: null,
        size: BigInt(d.size),
        sha256: d.sha256,
        purpose: d.purpose,
        status: 'awaiting_upload',
        reason: null,
        multipart: d.multipart,
        multipartUploadId: d.multipartUploadId,
        partSize: d.partSize === null ? null : BigInt(d.partSize),
        partCount: d.partCount,
        createdAt: new Date(d.requestedAt),
        updatedAt: at,
        expiresAt: new Date(d.expiresAt),
        completedAt: null,
        availableAt: null,
        deletedAt: null,
      };
    }
    if (row === null) return null;
    switch (event.type) {
      case 'UploadCompleted':
        return { ...row, status: 'verifying', completedAt: new Date(event.data.completedAt), updatedAt: at };
      case 'UploadContentVerified':
        return { ...row, sniffedContentType: event.data.sniffedContentType, updatedAt: at };
      case 'FileAvailable':
        return {
          ...row,
          status: 'available',
          contentType: event.data.contentType,
          availableAt: new Date(event.data.availableAt),
          updatedAt: at,
        };
      case 'UploadRejected':
        return { ...row, status: 'rejected', reason: event.data.reason, updatedAt: at };
      case 'UploadExpired':
        return { ...row, status: 'expired', updatedAt: at };
      case 'FileDeleted':
        return { ...row, status: 'deleted', deletedAt: new Date(event.data.deletedAt), updatedAt: at };
    }
  },
});
