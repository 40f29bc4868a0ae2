import { z } from 'zod';
import { defineCommand, defineQuery } from '../contract.js';
import { isoDateTime } from '../identity/common.js';
import { userTextSchema } from '../text.js';
import {
  contentTypeSchema,
  FILES,
  fileListSchema,
  fileNameSchema,
  fileSchema,
  fileSizeSchema,
  fileStatusSchema,
  partEtagSchema,
  purposeSchema,
  rejectionReasonSchema,
  sha256HexSchema,
  storageSchema,
  uploadInstructionsSchema,
} from './common.js';

// Requests carry the caller's user id (filled by the gateway from the token); the service answers
// NOT_FOUND for a file the caller does not own, unless the message's actor is an admin.

/** What a client sends to start an upload (`POST /files/uploads`). */
export const requestUploadBodySchema = z.object({
  fileName: fileNameSchema,
  contentType: contentTypeSchema,
  size: fileSizeSchema,
  sha256: sha256HexSchema,
  purpose: purposeSchema.optional(),
});

export const requestUploadCommand = defineCommand({
  service: FILES,
  name: 'RequestUpload',
  request: requestUploadBodySchema.extend({ userId: z.uuid() }),
  reply: z.object({
    fileId: z.uuid(),
    status: z.literal('awaiting_upload'),
    upload: uploadInstructionsSchema,
    expiresAt: isoDateTime,
  }),
  description: 'Reserve quota and return presigned S3 request(s) for a direct upload.',
});

export const completeUploadBodySchema = z.object({
  parts: z.array(partEtagSchema).min(1).max(10_000).optional(),
});

export const completeUploadCommand = defineCommand({
  service: FILES,
  name: 'CompleteUpload',
  request: completeUploadBodySchema.extend({ userId: z.uuid(), fileId: z.uuid() }),
  reply: z.object({ fileId: z.uuid(), status: z.literal('verifying') }),
  description: 'The client says the bytes are uploaded: start verification (idempotent).',
});

export const deleteFileCommand = defineCommand({
  service: FILES,
  name: 'DeleteFile',
  request: z.object({ userId: z.uuid(), fileId: z.uuid() }),
  reply: z.object({ fileId: z.uuid(), status: z.literal('deleted') }),
  description: 'Delete a file: the object is removed and the quota comes back.',
});

const fileRef = z.object({ userId: z.uuid(), fileId: z.uuid() });

export const getFileQuery = defineQuery({
  service: FILES,
  name: 'GetFile',
  request: fileRef,
  reply: fileSchema,
  description: "A file's metadata and verification status (owner or admin).",
});

export const listFilesRequestSchema = z.object({
  status: fileStatusSchema.optional(),
  purpose: purposeSchema.optional(),
  sort: z.enum(['createdAt', '-createdAt']).default('-createdAt'),
  limit: z.int().min(1).max(100).default(20),
  cursor: userTextSchema().max(512).optional(),
});

export const listFilesQuery = defineQuery({
  service: FILES,
  name: 'ListFiles',
  request: listFilesRequestSchema.extend({ userId: z.uuid() }),
  reply: fileListSchema,
  description: "The caller's files, cursor-paginated.",
});

export const adminListFilesQuery = defineQuery({
  service: FILES,
  name: 'AdminListFiles',
  request: listFilesRequestSchema.extend({ ownerId: z.uuid().optional() }),
  reply: fileListSchema,
  description: "Any user's files with filters (admin).",
});

export const listUploadPartsQuery = defineQuery({
  service: FILES,
  name: 'ListUploadParts',
  request: fileRef,
  reply: z.object({
    fileId: z.uuid(),
    partSize: z.int().min(1),
    partCount: z.int().min(1),
    parts: z.array(z.object({ partNumber: z.int(), etag: z.string(), size: z.int() })),
  }),
  description: 'The parts S3 already holds for a multipart upload (resume after a dropped connection).',
});

export const getDownloadUrlQuery = defineQuery({
  service: FILES,
  name: 'GetDownloadUrl',
  request: fileRef,
  reply: z.object({ url: z.url(), expiresAt: isoDateTime }),
  description: 'A short-lived presigned GET of an available file.',
});

export const getStorageQuery = defineQuery({
  service: FILES,
  name: 'GetStorage',
  request: z.object({ userId: z.uuid() }),
  reply: storageSchema,
  description: "The caller's storage: used, reserved, quota and largest file.",
});

// Sent by the files service's own saga and the ops CLI (not routed by the gateway).

export const verifyUploadCommand = defineCommand({
  service: FILES,
  name: 'VerifyUpload',
  request: z.object({ fileId: z.uuid() }),
  reply: z.object({ fileId: z.uuid(), status: fileStatusSchema, reason: rejectionReasonSchema.nullable() }),
  description: 'Run the remaining verification steps of an upload (idempotent; saga and ops CLI).',
});

export const rejectUploadCommand = defineCommand({
  service: FILES,
  name: 'RejectUpload',
  request: z.object({ fileId: z.uuid(), reason: rejectionReasonSchema }),
  reply: z.object({ fileId: z.uuid(), status: fileStatusSchema }),
  description: 'Reject an upload whose verification gave up (saga).',
});

export const expireUploadCommand = defineCommand({
  service: FILES,
  name: 'ExpireUpload',
  request: z.object({ fileId: z.uuid() }),
  reply: z.object({ fileId: z.uuid(), status: fileStatusSchema }),
  description: 'Expire an upload not completed in time (saga timeout).',
});

export const removeFileObjectCommand = defineCommand({
  service: FILES,
  name: 'RemoveFileObject',
  request: z.object({ fileId: z.uuid() }),
  reply: z.object({ fileId: z.uuid() }),
  description: "Delete a deleted file's object from S3 (saga; retried, then dead-lettered).",
});

export const sweepIncomingCommand = defineCommand({
  service: FILES,
  name: 'SweepIncoming',
  request: z.object({ olderThanSeconds: z.int().min(0).default(3600) }),
  reply: z.object({ removed: z.array(z.string()) }),
  description: 'Remove objects under incoming/ that no live upload owns (nightly sweep, ops CLI).',
});

export const listStuckUploadsQuery = defineQuery({
  service: FILES,
  name: 'ListStuckUploads',
  request: z.object({
    olderThanSeconds: z.int().min(0).default(900),
    limit: z.int().min(1).max(1000).default(100),
  }),
  reply: z.object({ items: z.array(fileSchema) }),
  description: 'Uploads in verifying for longer than a threshold (ops CLI).',
});
