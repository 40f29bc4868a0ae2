import type { RejectionReason } from '@ledgerline/contracts';
import type { FilesDeps } from '../filesDeps.js';
import { loadUpload, runUpload } from './runUpload.js';
import { finalKey, quarantineKey } from './upload.js';

// The saga's commands besides verification: expiry, rejection after the retries ran out, and the
// object removal after a rejection, an expiry or a deletion. Each is idempotent.

export async function expireUpload(deps: FilesDeps, fileId: string) {
  const { state } = await runUpload(deps, fileId, { type: 'ExpireUpload', data: {} });
  return { fileId, status: state.status === 'none' ? ('expired' as const) : state.status };
}

export async function rejectUpload(deps: FilesDeps, fileId: string, reason: RejectionReason) {
  const { state } = await runUpload(deps, fileId, { type: 'RejectUpload', data: { reason } });
  return { fileId, status: state.status === 'none' ? ('rejected' as const) : state.status };
}

/**
 * Removes what S3 holds for a file that is no longer wanted: the multipart upload (aborted), the
 * quarantine object, and the final object once deleted. S3 errors propagate: the saga retries, then
 * dead-letters.
 */
export async function removeFileObject(deps: FilesDeps, fileId: string) {
  const upload = await loadUpload(deps, fileId);
  if (upload.status === 'none') return { fileId };
  const { ownerId, multipartUploadId } = upload.request;
  if (!['rejected', 'expired', 'deleted'].includes(upload.status)) return { fileId };
  if (multipartUploadId) await deps.objects.abortMultipart(quarantineKey(fileId), multipartUploadId);
  await deps.objects.delete(quarantineKey(fileId));
  if (upload.status === 'deleted') await deps.objects.delete(finalKey(ownerId, fileId));
  await runUpload(deps, fileId, { type: 'RecordObjectRemoved', data: {} });
  return { fileId };
}

/**
 * The nightly sweep: objects (and multipart uploads) under incoming/ older than `olderThanSeconds`
 * whose upload is not live (awaiting or verifying). A crash between S3 and the append leaves them.
 */
export async function sweepIncoming(deps: FilesDeps, olderThanSeconds: number) {
  const cutoff = deps.clock().getTime() - olderThanSeconds * 1000;
  const removed: string[] = [];
  const live = async (key: string) => {
    const fileId = key.slice('incoming/'.length);
    if (!/^[0-9a-f-]{36}$/.test(fileId)) return false;
    const upload = await loadUpload(deps, fileId);
    return upload.status === 'awaiting_upload' || upload.status === 'verifying';
  };
  for await (const object of deps.objects.list('incoming/')) {
    if (object.lastModified.getTime() > cutoff || (await live(object.key))) continue;
    await deps.objects.delete(object.key);
    removed.push(object.key);
  }
  for (const upload of await deps.objects.listMultipartUploads('incoming/')) {
    if (upload.initiated.getTime() > cutoff || (await live(upload.key))) continue;
    await deps.objects.abortMultipart(upload.key, upload.uploadId);
    removed.push(`${upload.key}?uploadId=${upload.uploadId}`);
  }
  if (removed.length > 0) deps.logger.info({ removed: removed.length }, 'swept orphans under incoming/');
  return { removed };
}
