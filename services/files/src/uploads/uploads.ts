import {
  adminListFilesQuery,
  completeUploadCommand,
  deleteFileCommand,
  expireUploadCommand,
  getDownloadUrlQuery,
  getFileQuery,
  getStorageQuery,
  listFilesQuery,
  listStuckUploadsQuery,
  listUploadPartsQuery,
  rejectUploadCommand,
  removeFileObjectCommand,
  requestUploadCommand,
  sweepIncomingCommand,
  verifyUploadCommand,
} from '@ledgerline/contracts';
import { defineFeature, type SagaRegistration } from '@ledgerline/platform';
import { type FilesContext, type FilesDeps, filesDeps } from '../filesDeps.js';
import { storageUsageProjection } from '../storage/storageUsage.js';
import { sweepBootstrap } from '../sweep/sweepBootstrap.js';
import { sweepSaga } from '../sweep/sweepSaga.js';
import { defineVerificationSaga, doubling } from '../verification/verificationSaga.js';
import { verifyUpload } from '../verification/verifyUpload.js';
import { expireUpload, rejectUpload, removeFileObject, sweepIncoming } from './cleanup.js';
import { s3NotificationsWorker } from './notifications.js';
import { filesProjection } from './projections/filesList.js';
import {
  getDownloadUrl,
  getFile,
  getStorage,
  listFiles,
  listStuckUploads,
  listUploadParts,
} from './queries.js';
import { completeUpload, deleteFile, requestUpload } from './requestUpload.js';

/**
 * The verification saga reacts to this service's own upload events, read from its event store (no
 * broker hop: UploadRequested and UploadCompleted stay private), with timings from config.
 */
const saga: SagaRegistration<FilesDeps> = {
  source: 'log',
  saga: ({ settings }) =>
    defineVerificationSaga({
      verifyRetryDelaysMs: doubling(settings.VERIFY_RETRY_BASE_MS, 5),
      removalRetryDelaysMs: doubling(settings.REMOVAL_RETRY_BASE_MS, 6),
      commandTimeoutMs: settings.VERIFY_TIMEOUT_MS,
    }),
};

/** The nightly sweep: its timeouts come from the scheduler; no public event starts it. */
const sweep: SagaRegistration<FilesDeps> = {
  saga: sweepSaga,
  filterSubject: 'evt.files.SweepRequested', // never published: the bootstrap delivers it
  settings: (deps) => ({ durable: `${deps.durables.saga}-sweep` }),
};

/** Uploads, their verification saga and the file queries. */
export const uploads = defineFeature({
  name: 'uploads',
  deps: (ctx: FilesContext) => filesDeps(ctx),
  handlers: (on) => [
    on(requestUploadCommand, (deps, request, meta) => requestUpload(deps, request, meta)),
    on(completeUploadCommand, (deps, request, meta) => completeUpload(deps, request, meta)),
    on(deleteFileCommand, (deps, request, meta) => deleteFile(deps, request, meta)),
    on(getFileQuery, (deps, { userId, fileId }, meta) => getFile(deps, userId, fileId, meta)),
    on(listFilesQuery, (deps, { userId, ...request }) => listFiles(deps, { ...request, ownerId: userId })),
    on(adminListFilesQuery, (deps, request) => listFiles(deps, request)),
    on(listUploadPartsQuery, (deps, { userId, fileId }, meta) => listUploadParts(deps, userId, fileId, meta)),
    on(getDownloadUrlQuery, (deps, { userId, fileId }, meta) => getDownloadUrl(deps, userId, fileId, meta)),
    on(getStorageQuery, (deps, { userId }) => getStorage(deps, userId)),
    on(verifyUploadCommand, (deps, { fileId }) => verifyUpload(deps, fileId)),
    on(rejectUploadCommand, (deps, { fileId, reason }) => rejectUpload(deps, fileId, reason)),
    on(expireUploadCommand, (deps, { fileId }) => expireUpload(deps, fileId)),
    on(removeFileObjectCommand, (deps, { fileId }) => removeFileObject(deps, fileId)),
    on(sweepIncomingCommand, (deps, { olderThanSeconds }) => sweepIncoming(deps, olderThanSeconds)),
    on(listStuckUploadsQuery, (deps, { olderThanSeconds, limit }) =>
      listStuckUploads(deps, olderThanSeconds, limit),
    ),
  ],
  projections: { inline: [filesProjection, storageUsageProjection] },
  sagas: [saga, sweep],
  workers: [sweepBootstrap, s3NotificationsWorker],
  healthChecks: { s3: (deps) => deps.objects.ping() },
});
