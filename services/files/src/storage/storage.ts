import { ValidationError } from '@ledgerline/contracts';

// A user's storage account (stream `storage-<userId>`): bytes reserved by uploads in flight and
// bytes used by files. Every change is appended in the same transaction as the upload event that
// causes it, at the version the command read, so concurrent requests cannot overshoot the quota:
// the loser of a race retries on the new version and sees the winner's reservation. The upload's
// own decider makes each change happen once (a file is committed, released, … once).

export const storageStreamId = (userId: string) => `storage-${userId}`;

export type StorageEvent =
  | { type: 'StorageReserved'; data: { userId: string; fileId: string; bytes: number } }
  | { type: 'StorageCommitted'; data: { userId: string; fileId: string; bytes: number } }
  | {
      type: 'StorageReleased';
      data: { userId: string; fileId: string; bytes: number; from: 'reserved' | 'used' };
    };

export interface Storage {
  reservedBytes: number;
  usedBytes: number;
}

export type StorageCommand =
  | { type: 'Reserve'; data: { userId: string; fileId: string; bytes: number; quotaBytes: number } }
  | { type: 'Commit'; data: { userId: string; fileId: string; bytes: number } }
  | { type: 'Release'; data: { userId: string; fileId: string; bytes: number; from: 'reserved' | 'used' } };

export const initialStorage = (): Storage => ({ reservedBytes: 0, usedBytes: 0 });

export function evolveStorage(state: Storage, event: StorageEvent): Storage {
  const { bytes } = event.data;
  switch (event.type) {
    case 'StorageReserved':
      return { ...state, reservedBytes: state.reservedBytes + bytes };
    case 'StorageCommitted':
      return { reservedBytes: state.reservedBytes - bytes, usedBytes: state.usedBytes + bytes };
    case 'StorageReleased':
      return event.data.from === 'reserved'
        ? { ...state, reservedBytes: state.reservedBytes - bytes }
        : { ...state, usedBytes: state.usedBytes - bytes };
  }
}

/** Pure: a reservation that would overshoot the quota is refused with the numbers. */
export function decideStorage(command: StorageCommand, state: Storage): StorageEvent[] {
  switch (command.type) {
    case 'Reserve': {
      const { userId, fileId, bytes, quotaBytes } = command.data;
      if (state.usedBytes + state.reservedBytes + bytes > quotaBytes) {
        throw new ValidationError('Storage quota exceeded', {
          reason: 'quota_exceeded',
          quotaBytes,
          usedBytes: state.usedBytes,
          reservedBytes: state.reservedBytes,
          requestedBytes: bytes,
        });
      }
      return [{ type: 'StorageReserved', data: { userId, fileId, bytes } }];
    }
    case 'Commit':
      return [{ type: 'StorageCommitted', data: command.data }];
    case 'Release':
      return [{ type: 'StorageReleased', data: command.data }];
  }
}
