import type { MessageMeta } from '@ledgerline/contracts';
import { handleCommand, loadStream, type StreamAppend } from '@ledgerline/eventsourcing';
import type { FilesDeps } from '../filesDeps.js';
import { decideStorage, evolveStorage, type StorageCommand, storageStreamId } from '../storage/storage.js';
import { loadStorage } from '../storage/storageUsage.js';
import { type UploadCommand, uploadDecider } from './decide.js';
import { type Upload, type UploadEvent, uploadStreamId } from './upload.js';

// Concurrent requests of one user race on the storage stream's version; each loser reloads and
// decides again, so with N concurrent requests the last one may need N-1 retries.
const RETRIES = 64;

/**
 * Runs one command on an upload and, in the same transaction, what its events mean for the
 * owner's storage stream, appended at the version read: committed when the file becomes
 * available, released when it is rejected, expired or deleted (reserved by reserveUpload). The quota can neither be overshot nor counted twice (the upload's events happen once).
 */
export async function runUpload(
  deps: FilesDeps,
  fileId: string,
  command: UploadCommand,
  options: { meta?: MessageMeta } = {},
) {
  return handleCommand({
    store: deps.store,
    decider: uploadDecider,
    streamId: uploadStreamId(fileId),
    command,
    retries: RETRIES,
    meta: options.meta,
    prepare: async (state: Upload) => {
      const ownerId = ownerOf(state);
      if (ownerId === undefined || !touchesStorage(command)) return undefined;
      return { ownerId, ...(await loadStorage(deps.pool, deps.readModel, ownerId)) };
    },
    context: () => ({ now: deps.clock() }),
    alsoAppend: ({ events, state, prepared }): StreamAppend[] => {
      if (!prepared) return [];
      const storageCommands = events.flatMap((event) => storageEffect(event, state, prepared.ownerId));
      let storage = prepared.state;
      const decided = storageCommands.flatMap((storageCommand) => {
        const out = decideStorage(storageCommand, storage);
        storage = out.reduce(evolveStorage, storage);
        return out;
      });
      if (decided.length === 0) return [];
      const expectedVersion = prepared.version === 0 ? ('no_stream' as const) : prepared.version;
      return [{ streamId: storageStreamId(prepared.ownerId), events: decided, expectedVersion }];
    },
  });
}

const ownerOf = (state: Upload) => (state.status === 'none' ? undefined : state.request.ownerId);

const touchesStorage = (command: UploadCommand) =>
  ['MarkAvailable', 'RejectUpload', 'ExpireUpload', 'DeleteFile'].includes(command.type);

/** What one upload event does to its owner's storage, given the upload's state before it. */
function storageEffect(event: UploadEvent, before: Upload, userId: string): StorageCommand[] {
  const fileId = event.data.fileId;
  switch (event.type) {
    case 'FileAvailable':
      return [{ type: 'Commit', data: { userId, fileId, bytes: event.data.size } }];
    case 'UploadRejected':
    case 'UploadExpired':
    case 'FileDeleted': {
      if (before.status === 'none') return [];
      const bytes = before.request.size;
      if (before.status === 'awaiting_upload' || before.status === 'verifying') {
        return [{ type: 'Release', data: { userId, fileId, bytes, from: 'reserved' } }];
      }
      if (before.status === 'available')
        return [{ type: 'Release', data: { userId, fileId, bytes, from: 'used' } }];
      return []; // rejected or expired: released then
    }
    default:
      return [];
  }
}

/** The upload's current state (for ownership checks and the verification loop). */
export async function loadUpload(deps: FilesDeps, fileId: string): Promise<Upload> {
  return (await loadStream(deps.store, uploadDecider, uploadStreamId(fileId))).state;
}
