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
import { quoteIdent } from '@ledgerline/eventsourcing';
import type { z } from 'zod';
import { type FilesDeps, isAdmin } from '../filesDeps.js';
import { userTierOf } from '../tiers/userTiers.js';
import type { FileRow } from './projections/filesList.js';
import { finalKey, quarantineKey } from './upload.js';

// Queries, served from the read models (`files`, `storage_usage`, `user_tiers`).

const table = (deps: FilesDeps, name: string) => `${quoteIdent(deps.readModel)}."${name}"`;

export function toView(row: FileRow): FileView {
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
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
  const { rows } = await deps.pool.query<FileRow>(`SELECT * FROM ${table(deps, 'files')} WHERE id = $1`, [
    fileId,
  ]);
  const row = rows[0];
  if (!row || (row.ownerId !== userId && !isAdmin(meta))) throw new NotFoundError('No such file', { fileId });
  return row;
}

export const getFile = async (deps: FilesDeps, userId: string, fileId: string, meta: MessageMeta) =>
  toView(await visibleFile(deps, userId, fileId, meta));

type ListRequest = z.output<typeof listFilesRequestSchema> & { ownerId?: string | undefined };

/** Cursor pages sorted by (createdAt, id); `total` counts every row matching the filters. */
export async function listFiles(deps: FilesDeps, request: ListRequest) {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (request.ownerId) add(`"ownerId" = ?`, request.ownerId);
  if (request.status) add('status = ?', request.status);
  if (request.purpose) add('purpose = ?', request.purpose);
  const filters = [...where];
  const descending = request.sort === '-createdAt';
  if (request.cursor) {
    const cursor = decodeCursor(request.cursor);
    params.push(cursor.createdAt, cursor.id);
    where.push(`("createdAt", id) ${descending ? '<' : '>'} ($${params.length - 1}, $${params.length})`);
  }
  const order = descending ? 'DESC' : 'ASC';
  const clause = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');
  const { rows } = await deps.pool.query<FileRow>(
    `SELECT * FROM ${table(deps, 'files')} ${clause(where)} ORDER BY "createdAt" ${order}, id ${order} LIMIT ${request.limit + 1}`,
    params,
  );
  const { rows: counted } = await deps.pool.query<{ total: string }>(
    `SELECT count(*) AS total FROM ${table(deps, 'files')} ${clause(filters)}`,
    params.slice(0, filters.length),
  );
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > request.limit && last ? encodeCursor(last) : null;
  return { items: page.map(toView), total: Number(counted[0]?.total ?? 0), nextCursor };
}

const encodeCursor = (row: FileRow) =>
  Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor');
    return { createdAt, id };
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
  const { tier } = await userTierOf(deps.pool, deps.readModel, userId);
  const limits = deps.settings.FILES_TIERS[tier];
  const { rows } = await deps.pool.query<{ usedBytes: string; reservedBytes: string }>(
    `SELECT "usedBytes", "reservedBytes" FROM ${table(deps, 'storage_usage')} WHERE id = $1`,
    [userId],
  );
  return {
    tier,
    usedBytes: Number(rows[0]?.usedBytes ?? 0),
    reservedBytes: Number(rows[0]?.reservedBytes ?? 0),
    quotaBytes: limits.quotaBytes,
    maxFileBytes: limits.maxFileBytes,
  };
}

/** Uploads verifying for longer than the threshold (ops CLI). */
export async function listStuckUploads(deps: FilesDeps, olderThanSeconds: number, limit: number) {
  const { rows } = await deps.pool.query<FileRow>(
    `SELECT * FROM ${table(deps, 'files')} WHERE status = 'verifying' AND "updatedAt" < $1
     ORDER BY "updatedAt" LIMIT $2`,
    [new Date(deps.clock().getTime() - olderThanSeconds * 1000), limit],
  );
  return { items: rows.map(toView) };
}
