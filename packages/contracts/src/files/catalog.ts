import type { Contract } from '../contract.js';
import { userDeactivatedEvent, userReactivatedEvent, userTierChangedEvent } from '../identity/events.js';
import { userRegisteredEvent } from '../identity/registration.js';
import {
  fileAvailableEvent,
  fileDeletedEvent,
  filesEvents,
  uploadCompletedEvent,
  uploadExpiredEvent,
  uploadRejectedEvent,
  uploadRequestedEvent,
} from './events.js';
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
} from './requests.js';

/** Every files contract. */
export const filesContracts: readonly Contract[] = [
  requestUploadCommand,
  completeUploadCommand,
  deleteFileCommand,
  getFileQuery,
  listFilesQuery,
  adminListFilesQuery,
  listUploadPartsQuery,
  getDownloadUrlQuery,
  getStorageQuery,
  verifyUploadCommand,
  rejectUploadCommand,
  expireUploadCommand,
  removeFileObjectCommand,
  sweepIncomingCommand,
  listStuckUploadsQuery,
  ...filesEvents,
];

/** The gateway routes these. */
export const filesConsumedByGateway = [
  requestUploadCommand,
  completeUploadCommand,
  deleteFileCommand,
  getFileQuery,
  listFilesQuery,
  adminListFilesQuery,
  listUploadPartsQuery,
  getDownloadUrlQuery,
  getStorageQuery,
] as const;

/** Who consumes what around files: [consumer, contract]. */
export const filesConsumptions: ReadonlyArray<readonly [string, Contract]> = [
  // The verification saga reads the files service's own events from its event store; of these, the
  // public ones also go out on JetStream for other services.
  ...[
    uploadRequestedEvent,
    uploadCompletedEvent,
    fileAvailableEvent,
    uploadRejectedEvent,
    uploadExpiredEvent,
    fileDeletedEvent,
  ].map((event) => ['files', event] as const),
  // The saga's commands to the service itself; the ops CLI sends VerifyUpload, SweepIncoming, ListStuckUploads.
  ...[
    verifyUploadCommand,
    rejectUploadCommand,
    expireUploadCommand,
    removeFileObjectCommand,
    sweepIncomingCommand,
  ].map((command) => ['files', command] as const),
  ['ops', listStuckUploadsQuery],
  ['ops', verifyUploadCommand],
  // The tier read model.
  ...[userRegisteredEvent, userTierChangedEvent, userDeactivatedEvent, userReactivatedEvent].map(
    (event) => ['files', event] as const,
  ),
];
