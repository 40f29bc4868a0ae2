import { defineProjection } from '@ledgerline/eventsourcing';
import type { UploadEvent } from '../upload.js';

/** A row of `files` (prisma/schema/files.prisma), as the kernel loads and stores it. */
export interface FileRow {
  id: string;
  ownerId: string;
  fileName: string;
  contentType: string;
  sniffedContentType: string | null;
  size: bigint;
  sha256: string;
  purpose: string | null;
  status: string;
  reason: string | null;
  multipart: boolean;
  multipartUploadId: string | null;
  partSize: bigint | null;
  partCount: number | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
  availableAt: Date | null;
  deletedAt: Date | null;
}

const HANDLED = [
  'UploadRequested',
  'UploadCompleted',
  'UploadContentVerified',
  'FileAvailable',
  'UploadRejected',
  'UploadExpired',
  'FileDeleted',
] as const;
type Handled = Extract<UploadEvent, { type: (typeof HANDLED)[number] }>;

/** The files list and detail, inline: a command's caller reads its own write. */
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
