import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { isoDateTime } from '../identity/common.js';
import { FILES, rejectionReasonSchema } from './common.js';

const publicEvent = <D extends z.ZodType>(type: string, data: D, description: string) =>
  defineEvent({ service: FILES, type, schemaVersion: 1, data, public: true, description });

const upload = { fileId: z.uuid(), ownerId: z.uuid() };

/** Never leaves the files service's event store: its saga reads it from there. */
const privateEvent = <D extends z.ZodType>(type: string, data: D, description: string) =>
  defineEvent({ service: FILES, type, schemaVersion: 1, data, public: false, description });

/** Starts the verification saga (its expiry timeout). */
export const uploadRequestedEvent = privateEvent(
  'UploadRequested',
  z.object({
    ...upload,
    size: z.int().min(1),
    contentType: z.string(),
    purpose: z.string().nullable(),
    multipart: z.boolean(),
    requestedAt: isoDateTime,
    expiresAt: isoDateTime,
  }),
  'An upload was requested: quota reserved, presigned request(s) handed out.',
);

export const uploadCompletedEvent = privateEvent(
  'UploadCompleted',
  z.object({ ...upload, completedAt: isoDateTime, trigger: z.enum(['client', 'notification', 'ops']) }),
  'The bytes are said to be uploaded (client call or bucket notification): verification starts.',
);

export const fileAvailableEvent = publicEvent(
  'FileAvailable',
  z.object({
    ...upload,
    fileName: z.string(),
    contentType: z.string(),
    size: z.int().min(0),
    sha256: z.string(),
    purpose: z.string().nullable(),
    availableAt: isoDateTime,
  }),
  'The stored bytes were verified and moved to their final key: the file exists.',
);

export const uploadRejectedEvent = publicEvent(
  'UploadRejected',
  z.object({ ...upload, reason: rejectionReasonSchema, size: z.int().min(0), rejectedAt: isoDateTime }),
  'Verification refused the upload; its object was deleted and its quota released.',
);

export const uploadExpiredEvent = publicEvent(
  'UploadExpired',
  z.object({ ...upload, size: z.int().min(0), expiredAt: isoDateTime }),
  'The upload was not completed in time; its object is removed and its quota released.',
);

export const fileDeletedEvent = publicEvent(
  'FileDeleted',
  z.object({ ...upload, size: z.int().min(0), deletedAt: isoDateTime, by: z.string().nullable() }),
  'A file was deleted; its object is removed and its quota comes back.',
);

export const filesEvents = [
  uploadRequestedEvent,
  uploadCompletedEvent,
  fileAvailableEvent,
  uploadRejectedEvent,
  uploadExpiredEvent,
  fileDeletedEvent,
] as const;
