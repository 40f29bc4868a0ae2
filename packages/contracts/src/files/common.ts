import { z } from 'zod';
import { isoDateTime, tierSchema } from '../identity/common.js';
import { userTextSchema } from '../text.js';

/** The files service: `files.cmd.*`, `files.qry.*`, `evt.files.*`. */
export const FILES = 'files';

export const fileStatusSchema = z.enum([
  'awaiting_upload',
  'verifying',
  'available',
  'rejected',
  'expired',
  'deleted',
]);
export type FileStatus = z.infer<typeof fileStatusSchema>;

/**
 * Why verification refused an upload. `scan_unavailable`: the virus scanner could not be reached
 * after every retry (fail closed: an unscanned file never becomes available).
 */
export const rejectionReasonSchema = z.enum([
  'missing',
  'size_mismatch',
  'checksum_mismatch',
  'type_mismatch',
  'infected',
  'too_large',
  'scan_unavailable',
]);
export type RejectionReason = z.infer<typeof rejectionReasonSchema>;

/** Lower-case hex SHA-256 of the whole file. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256 (64 characters)');

// The name is metadata only (object keys never come from user input): at most 255 UTF-8 bytes,
// no control characters (they would split headers and logs).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this pattern refuses.
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
export const fileNameSchema = userTextSchema()
  .min(1)
  .max(255)
  .regex(NO_CONTROL, 'must not contain control characters')
  .refine((name) => Buffer.byteLength(name, 'utf8') <= 255, 'must be at most 255 bytes in UTF-8');

export const contentTypeSchema = z
  .string()
  .max(127)
  .regex(
    /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/,
    'a lower-case MIME type such as image/png',
  );

export const purposeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a purpose such as avatar or document');

/** 5 TiB, S3's largest object. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
export const fileSizeSchema = z.int().min(1).max(MAX_OBJECT_BYTES);

/** The presigned request(s) a client sends the bytes with. */
export const uploadInstructionsSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('PUT'),
    url: z.url(),
    /** Send exactly these headers: they are signed (length, type, checksum, no-overwrite). */
    headers: z.record(z.string(), z.string()),
  }),
  z.object({
    method: z.literal('MULTIPART'),
    partSize: z.int().min(1),
    parts: z.array(z.object({ partNumber: z.int().min(1).max(10_000), url: z.url() })),
  }),
]);
export type UploadInstructions = z.infer<typeof uploadInstructionsSchema>;

/** A file as its owner (or an admin) sees it. */
export const fileSchema = z.object({
  fileId: z.uuid(),
  ownerId: z.uuid(),
  fileName: z.string(),
  /** The declared type until verified; then the sniffed, verified type. */
  contentType: z.string(),
  sniffedContentType: z.string().nullable(),
  size: z.int().min(0),
  sha256: z.string(),
  purpose: z.string().nullable(),
  status: fileStatusSchema,
  reason: rejectionReasonSchema.nullable(),
  multipart: z.boolean(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  expiresAt: isoDateTime,
  completedAt: isoDateTime.nullable(),
  availableAt: isoDateTime.nullable(),
  deletedAt: isoDateTime.nullable(),
});
export type FileView = z.infer<typeof fileSchema>;

export const fileListSchema = z.object({
  items: z.array(fileSchema),
  total: z.int().min(0),
  nextCursor: z.string().nullable(),
});

export const storageSchema = z.object({
  tier: tierSchema,
  usedBytes: z.int().min(0),
  reservedBytes: z.int().min(0),
  quotaBytes: z.int().min(0),
  maxFileBytes: z.int().min(0),
});
export type StorageView = z.infer<typeof storageSchema>;

export const partEtagSchema = z.object({
  partNumber: z.int().min(1).max(10_000),
  etag: z.string().min(1).max(128),
});
