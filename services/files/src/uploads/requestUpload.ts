import {
  type completeUploadCommand,
  type deleteFileCommand,
  ForbiddenError,
  type MessageMeta,
  NotFoundError,
  type ReplyDataOf,
  type RequestOf,
  type requestUploadCommand,
  type UploadInstructions,
  uuidv7,
} from '@ledgerline/contracts';
import { type FilesDeps, isAdmin } from '../filesDeps.js';
import { decideStorage } from '../storage/storage.js';
import { loadStorage } from '../storage/storageUsage.js';
import { checkUploadAllowed } from '../tiers/tierPolicy.js';
import { reserveUpload } from './reserveUpload.js';
import { loadUpload, runUpload } from './runUpload.js';
import { type ExistingUpload, quarantineKey, type UploadRequestedData } from './upload.js';

const MAX_PARTS = 10_000;

/** POST /files/uploads: tier checks, quota reserved with the request, presigned request(s) out. */
export async function requestUpload(
  deps: FilesDeps,
  request: RequestOf<typeof requestUploadCommand>,
  meta: MessageMeta,
): Promise<ReplyDataOf<typeof requestUploadCommand>> {
  const { settings } = deps;
  const userTier = await deps.userTier(request.userId);
  if (!userTier.active) throw new ForbiddenError('A deactivated account cannot upload files');
  const limits = settings.FILES_TIERS[userTier.tier];
  const purpose = request.purpose ?? null;
  checkUploadAllowed(limits, { contentType: request.contentType, size: request.size, purpose });

  const fileId = uuidv7();
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + settings.UPLOAD_TTL_SECONDS * 1000).toISOString();
  const multipart = request.size > settings.MULTIPART_THRESHOLD_BYTES;
  const partSize = multipart
    ? Math.max(settings.MULTIPART_PART_BYTES, Math.ceil(request.size / MAX_PARTS))
    : null;
  const partCount = partSize === null ? null : Math.ceil(request.size / partSize);
  const quotaBytes = limits.quotaBytes;
  let multipartUploadId: string | null = null;
  if (multipart) {
    // Refuse before S3 is asked for an upload id (the append below re-checks authoritatively).
    const { state } = await loadStorage(deps.pool, deps.readModel, request.userId);
    const reserve = { userId: request.userId, fileId, bytes: request.size, quotaBytes };
    decideStorage({ type: 'Reserve', data: reserve }, state);
    multipartUploadId = await deps.objects.createMultipart(quarantineKey(fileId), request.contentType);
  }
  const data: UploadRequestedData = {
    fileId,
    ownerId: request.userId,
    fileName: request.fileName,
    contentType: request.contentType,
    size: request.size,
    sha256: request.sha256,
    purpose,
    multipart,
    multipartUploadId,
    partSize,
    partCount,
    requestedAt: now.toISOString(),
    expiresAt,
  };
  try {
    await reserveUpload(deps, data, quotaBytes, meta);
  } catch (error) {
    if (multipartUploadId)
      await deps.objects.abortMultipart(quarantineKey(fileId), multipartUploadId).catch(() => {});
    throw error;
  }
  const upload = await instructions(deps, data);
  return { fileId, status: 'awaiting_upload', upload, expiresAt };
}

async function instructions(deps: FilesDeps, data: UploadRequestedData): Promise<UploadInstructions> {
  const key = quarantineKey(data.fileId);
  const expiresIn = deps.settings.UPLOAD_TTL_SECONDS;
  if (!data.multipart) {
    const signed = await deps.objects.presignPut(
      key,
      { size: data.size, contentType: data.contentType, sha256Hex: data.sha256 },
      expiresIn,
    );
    return { method: 'PUT', ...signed };
  }
  const numbers = Array.from({ length: data.partCount! }, (_, i) => i + 1);
  const parts = await Promise.all(
    numbers.map(async (partNumber) => ({
      partNumber,
      url: await deps.objects.presignPart(key, data.multipartUploadId!, partNumber, expiresIn),
    })),
  );
  return { method: 'MULTIPART', partSize: data.partSize!, parts };
}

/** The upload if the caller may see it: its owner or an admin; anyone else gets NOT_FOUND (not 403). */
export async function ownedUpload(
  deps: FilesDeps,
  userId: string,
  fileId: string,
  meta: MessageMeta,
): Promise<ExistingUpload> {
  const upload = await loadUpload(deps, fileId);
  if (upload.status === 'none' || (upload.request.ownerId !== userId && !isAdmin(meta))) {
    throw new NotFoundError('No such file', { fileId });
  }
  return upload;
}

/** POST /files/{id}/complete: idempotent; verification starts through the saga. */
export async function completeUpload(
  deps: FilesDeps,
  request: RequestOf<typeof completeUploadCommand>,
  meta: MessageMeta,
): Promise<ReplyDataOf<typeof completeUploadCommand>> {
  await ownedUpload(deps, request.userId, request.fileId, meta);
  await runUpload(
    deps,
    request.fileId,
    { type: 'CompleteUpload', data: { trigger: 'client', parts: request.parts ?? null } },
    { meta },
  );
  return { fileId: request.fileId, status: 'verifying' };
}

/** DELETE /files/{id}: the quota comes back now; the saga removes the object (retried). */
export async function deleteFile(
  deps: FilesDeps,
  request: RequestOf<typeof deleteFileCommand>,
  meta: MessageMeta,
): Promise<ReplyDataOf<typeof deleteFileCommand>> {
  await ownedUpload(deps, request.userId, request.fileId, meta);
  const by = meta.actor.id ?? null;
  await runUpload(deps, request.fileId, { type: 'DeleteFile', data: { by } }, { meta });
  return { fileId: request.fileId, status: 'deleted' };
}
