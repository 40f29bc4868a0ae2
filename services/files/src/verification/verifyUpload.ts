import { S3ServiceException } from '@aws-sdk/client-s3';
import type { RejectionReason } from '@ledgerline/contracts';
import { UnavailableError } from '@ledgerline/contracts';
import type { FilesDeps, VerificationStep } from '../filesDeps.js';
import { verifiedType } from '../tiers/tierPolicy.js';
import { userTierOf } from '../tiers/userTiers.js';
import { loadUpload, runUpload } from '../uploads/runUpload.js';
import { type ExistingUpload, finalKey, quarantineKey } from '../uploads/upload.js';
import { ScanUnavailableError, scanStream } from './clamd.js';
import { inspect } from './inspect.js';

export interface VerifyResult {
  fileId: string;
  status: ExistingUpload['status'];
  reason: RejectionReason | null;
}

type StepOutcome = { next: true } | { reject: RejectionReason };

/**
 * Runs the remaining verification steps of one upload, each recorded before the next starts, so
 * a crash anywhere resumes after the last recorded step: HEAD → one read through SHA-256 and the
 * sniffer → optional clamd scan → copy to the final key → delete the quarantine object →
 * FileAvailable (quota committed). A failed check rejects (quota released; the saga removes the
 * object). An object that is not there yet, or clamd down, throws UNAVAILABLE: the caller retries.
 */
export function verifyUpload(deps: FilesDeps, fileId: string): Promise<VerifyResult> {
  // One run per upload in this process (the saga's resend and the ops command may ask at once); runs in
  // two processes are safe too: each step appends at the version it read, steps are idempotent.
  const running = deps.verifying.get(fileId);
  if (running) return running as Promise<VerifyResult>;
  const run = deps.verifySlots.run(() => runSteps(deps, fileId)).finally(() => deps.verifying.delete(fileId));
  deps.verifying.set(fileId, run);
  return run;
}

async function runSteps(deps: FilesDeps, fileId: string): Promise<VerifyResult> {
  for (;;) {
    const upload = await loadUpload(deps, fileId);
    if (upload.status === 'none') throw new UnavailableError('No such upload yet', { fileId });
    if (upload.status !== 'verifying') return { fileId, status: upload.status, reason: upload.reason };
    const outcome = await nextStep(deps, upload);
    if ('reject' in outcome) {
      await runUpload(deps, fileId, { type: 'RejectUpload', data: { reason: outcome.reject } });
    }
  }
}

async function nextStep(deps: FilesDeps, upload: ExistingUpload): Promise<StepOutcome> {
  const { steps } = upload;
  if (!steps.checked) return checkObject(deps, upload);
  if (!steps.verified) return verifyContent(deps, upload, steps.checked.etag);
  if (!steps.moved) return moveObject(deps, upload, steps.verified.sniffedContentType, steps.checked.etag);
  return finish(deps, upload);
}

async function recorded(deps: FilesDeps, step: VerificationStep, fileId: string): Promise<StepOutcome> {
  await deps.hooks.afterStep?.(step, fileId);
  return { next: true };
}

async function checkObject(deps: FilesDeps, upload: ExistingUpload): Promise<StepOutcome> {
  const { fileId, size, ownerId } = upload.request;
  const key = quarantineKey(fileId);
  if (upload.request.multipart) {
    const completed = await completeMultipart(deps, upload);
    if (completed !== true) return completed;
  }
  const head = await deps.objects.head(key);
  if (!head)
    throw new UnavailableError('The object is not in the bucket (yet)', { reason: 'missing', fileId });
  const { tier } = await userTierOf(deps.readModels, ownerId);
  if (head.size > deps.settings.FILES_TIERS[tier].maxFileBytes) return { reject: 'too_large' };
  if (head.size !== size) return { reject: 'size_mismatch' };
  await runUpload(deps, fileId, { type: 'RecordObjectChecked', data: { size: head.size, etag: head.etag } });
  return recorded(deps, 'checked', fileId);
}

/** Assembles the parts on S3 (the client's list, else every part S3 holds); idempotent. */
async function completeMultipart(deps: FilesDeps, upload: ExistingUpload): Promise<true | StepOutcome> {
  const key = quarantineKey(upload.request.fileId);
  const uploadId = upload.request.multipartUploadId!;
  const held = await deps.objects.listParts(key, uploadId);
  if (held === undefined) return true; // completed before (or aborted: HEAD tells)
  const parts = upload.parts ?? held.map(({ partNumber, etag }) => ({ partNumber, etag }));
  if (parts.length === 0) {
    throw new UnavailableError('No part uploaded yet', { reason: 'missing', fileId: upload.request.fileId });
  }
  try {
    await deps.objects.completeMultipart(key, uploadId, parts);
  } catch (error) {
    if (
      error instanceof S3ServiceException &&
      ['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'].includes(error.name)
    ) {
      return { reject: 'size_mismatch' };
    }
    throw error;
  }
  return true;
}

async function verifyContent(deps: FilesDeps, upload: ExistingUpload, etag: string): Promise<StepOutcome> {
  const { fileId, ownerId, contentType, purpose, sha256, size } = upload.request;
  const key = quarantineKey(fileId);
  const limits = deps.settings.FILES_TIERS[(await userTierOf(deps.readModels, ownerId)).tier];
  const checkText = limits.unsniffableTypes.includes(contentType);
  let inspection: Awaited<ReturnType<typeof inspect>>;
  try {
    inspection = await inspect(await deps.objects.read(key, etag), {
      checkText,
      hash: deps.hashing.hashFor(size),
    });
  } catch (error) {
    // 412: the object changed since HEAD (a conforming store refuses the overwrite; this one did not).
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)
      return { reject: 'checksum_mismatch' };
    throw error;
  }
  if (inspection.bytes !== size) return { reject: 'size_mismatch' };
  if (inspection.sha256 !== sha256) return { reject: 'checksum_mismatch' };
  const type = verifiedType(limits, contentType, purpose, inspection.sniffed, inspection.isText);
  if (type === undefined) return { reject: 'type_mismatch' };
  const scanned = deps.settings.CLAMAV_URL !== undefined;
  if (deps.settings.CLAMAV_URL !== undefined) {
    const verdict = await scan(deps, deps.settings.CLAMAV_URL, key, etag);
    if (!verdict) return { reject: 'infected' };
  }
  await runUpload(deps, fileId, {
    type: 'RecordContentVerified',
    data: { sniffedContentType: type, scanned },
  });
  return recorded(deps, 'hashed', fileId);
}

/** True when clean, false when infected; clamd unreachable throws UNAVAILABLE (fail closed). */
async function scan(deps: FilesDeps, url: string, key: string, etag: string): Promise<boolean> {
  try {
    const result = await scanStream(url, await deps.objects.read(key, etag), deps.settings.CLAMAV_TIMEOUT_MS);
    if (!result.clean) deps.logger.warn({ key, signature: result.signature }, 'infected upload');
    return result.clean;
  } catch (error) {
    if (error instanceof ScanUnavailableError) {
      throw new UnavailableError(
        'The virus scanner is unavailable',
        { reason: 'scan_unavailable' },
        { cause: error },
      );
    }
    throw error;
  }
}

async function moveObject(
  deps: FilesDeps,
  upload: ExistingUpload,
  type: string,
  etag: string,
): Promise<StepOutcome> {
  const { fileId, ownerId } = upload.request;
  const target = finalKey(ownerId, fileId);
  // After a crash between the copy and its record, the copy may already be there: copying again
  // is the same bytes to the same key.
  await deps.objects.copy(quarantineKey(fileId), target, type, etag);
  await deps.hooks.afterStep?.('copy-written', fileId);
  await runUpload(deps, fileId, { type: 'RecordObjectMoved', data: { key: target } });
  return recorded(deps, 'copied', fileId);
}

async function finish(deps: FilesDeps, upload: ExistingUpload): Promise<StepOutcome> {
  const { fileId } = upload.request;
  await deps.objects.delete(quarantineKey(fileId));
  await deps.hooks.afterStep?.('quarantine-deleted', fileId);
  await runUpload(deps, fileId, { type: 'MarkAvailable', data: {} });
  return { next: true };
}
