import {
  ConflictError,
  type FileView,
  type getDownloadUrlQuery,
  type listFilesRequestSchema,
  type listUploadPartsQuery,
  type MessageMeta,
  NotFoundError,
  type RejectionReason,
  type ReplyDataOf,
  type StorageView,
  ValidationError,
} from '@ledgerline/contracts';
import type { z } from 'zod';
import { type FilesDeps, isAdmin } from '../filesDeps.js';
// Aliased: `File` is also Node's global (the Blob kind).
import type { File as FileRow, Prisma } from '../generated/prisma/client.js';
import { userTierOf } from '../tiers/userTiers.js';
import { finalKey, quarantineKey } from './upload.js';

// Queries, served from the read models (`files`, `storage_usage`, `user_tiers`) through Prisma.

export function toView(row: FileRow): FileView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    fileId: row.id,
    ownerId: row.ownerId,
    fileName: row.fileName,
    contentType: row.contentType,
    sniffedContentType: row.sniffedContentType,
    size: Number(row.size),
    sha256: row.sha256,
    purpose: row.purpose,
    status: row.status as FileView['status'],
    reason: row.reason as RejectionReason | null,
    multipart: row.multipart,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    expiresAt: iso(row.expiresAt)!,
    completedAt: iso(row.completedAt),
    availableAt: iso(row.availableAt),
    deletedAt: iso(row.deletedAt),
  };
}

/** The row if the caller may see it (owner or admin); anyone else: NOT_FOUND, never FORBIDDEN. */
export async function visibleFile(
  deps: FilesDeps,
  userId: string,
  fileId: string,
  meta: MessageMeta,
): Promise<FileRow> {
  const row = await deps.readModels.file.findUnique({ where: { id: fileId } });
  if (!row || (row.ownerId !== userId && !isAdmin(meta))) throw new NotFoundError('No such file', { fileId });
  return row;
}

export const getFile = async (deps: FilesDeps, userId: string, fileId: string, meta: MessageMeta) =>
  toView(await visibleFile(deps, userId, fileId, meta));

type ListRequest = z.output<typeof listFilesRequestSchema> & { ownerId?: string | undefined };

/** Cursor pages sorted by (createdAt, id); `total` counts every row matching the filters. */
export async function listFiles(deps: FilesDeps, request: ListRequest) {
  const filters: Prisma.FileWhereInput = {};
  if (request.ownerId) filters.ownerId = request.ownerId;
  if (request.status) filters.status = request.status;
  if (request.purpose) filters.purpose = request.purpose;
  const descending = request.sort === '-createdAt';
  const direction = descending ? 'desc' : 'asc';
  const [rows, total] = await Promise.all([
    deps.readModels.file.findMany({
      where: request.cursor ? { AND: [filters, after(decodeCursor(request.cursor), descending)] } : filters,
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: request.limit + 1,
    }),
    deps.readModels.file.count({ where: filters }),
  ]);
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > request.limit && last ? encodeCursor(last) : null;
  return { items: page.map(toView), total, nextCursor };
}

/**
 * The keyset after the cursor: rows strictly past (createdAt, id) in the sort's direction, stable
 * under inserts. Prisma has no row-value comparison, so this is its expansion; the plain bound on
 * createdAt lets Postgres start the index scan at the cursor instead of filtering from the top.
 */
function after(cursor: { createdAt: Date; id: string }, descending: boolean): Prisma.FileWhereInput {
  const { createdAt, id } = cursor;
  return descending
    ? { createdAt: { lte: createdAt }, OR: [{ createdAt: { lt: createdAt } }, { id: { lt: id } }] }
    : { createdAt: { gte: createdAt }, OR: [{ createdAt: { gt: createdAt } }, { id: { gt: id } }] };
}

const encodeCursor = (row: FileRow) =>
  Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    // Checked here: Postgres would answer a malformed uuid or date with an error, not a page.
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Error('bad cursor');
    if (typeof id !== 'string' || !UUID.test(id)) throw new Error('bad cursor');
    return { createdAt: new Date(createdAt), id };
  } catch {
    throw new ValidationError('Invalid cursor', { field: 'cursor' });
  }
}

export async function listUploadParts(
  deps: FilesDeps,
  userId: string,
  fileId: string,
  meta: MessageMeta,
): Promise<ReplyDataOf<typeof listUploadPartsQuery>> {
  const row = await visibleFile(deps, userId, fileId, meta);
  if (!row.multipart || !row.multipartUploadId) throw new ConflictError('Not a multipart upload', { fileId });
  const parts = (await deps.objects.listParts(quarantineKey(fileId), row.multipartUploadId)) ?? [];
  return { fileId, partSize: Number(row.partSize), partCount: row.partCount ?? 0, parts };
}

export async function getDownloadUrl(
  deps: FilesDeps,
  userId: string,
  fileId: string,
  meta: MessageMeta,
): Promise<ReplyDataOf<typeof getDownloadUrlQuery>> {
  const row = await visibleFile(deps, userId, fileId, meta);
  if (row.status !== 'available')
    throw new ConflictError(`The file is ${row.status}`, { fileId, status: row.status });
  const ttl = deps.settings.DOWNLOAD_URL_TTL_SECONDS;
  const url = await deps.objects.presignGet(
    finalKey(row.ownerId, fileId),
    { fileName: row.fileName, contentType: row.contentType },
    ttl,
  );
  return { url, expiresAt: new Date(deps.clock().getTime() + ttl * 1000).toISOString() };
}

export async function getStorage(deps: FilesDeps, userId: string): Promise<StorageView> {
  const [{ tier }, usage] = await Promise.all([
    userTierOf(deps.readModels, userId),
    deps.readModels.storageUsage.findUnique({
      where: { id: userId },
      select: { usedBytes: true, reservedBytes: true },
    }),
  ]);
  const limits = deps.settings.FILES_TIERS[tier];
  return {
    tier,
    usedBytes: Number(usage?.usedBytes ?? 0),
    reservedBytes: Number(usage?.reservedBytes ?? 0),
    quotaBytes: limits.quotaBytes,
    maxFileBytes: limits.maxFileBytes,
  };
}

/** Uploads verifying for longer than the threshold (ops CLI). */
export async function listStuckUploads(deps: FilesDeps, olderThanSeconds: number, limit: number) {
  const rows = await deps.readModels.file.findMany({
    where: {
      status: 'verifying',
      updatedAt: { lt: new Date(deps.clock().getTime() - olderThanSeconds * 1000) },
    },
    orderBy: { updatedAt: 'asc' },
    take: limit,
  });
  return { items: rows.map(toView) };
}
