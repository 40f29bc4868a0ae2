import { EVENTS_STREAM_SUBJECTS } from '@ledgerline/contracts';
import {
  JetStreamApiCodes,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** The JetStream stream of public events (ARCHITECTURE.md, "Messages"). */
export const EVENTS_STREAM = 'EVENTS';

// JetStream API error 10058: "stream name already in use" (another process created it first).
const STREAM_NAME_IN_USE = 10058;
const apiCode = (error: unknown): unknown => (error as { code?: unknown } | undefined)?.code;

/**
 * Creates the EVENTS stream (`evt.>`, file storage, 2-minute dedup window) when it is absent.
 * An existing stream is left as it is: the platform package owns converging its configuration.
 */
export async function ensureEventsStream(
  jsm: JetStreamManager,
  duplicateWindowMs = 120_000,
): Promise<StreamInfo> {
  try {
    return await jsm.streams.info(EVENTS_STREAM);
  } catch (error) {
    if (apiCode(error) !== JetStreamApiCodes.StreamNotFound) throw error;
  }
  try {
    return await jsm.streams.add({
      name: EVENTS_STREAM,
      subjects: [EVENTS_STREAM_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(duplicateWindowMs),
    });
  } catch (error) {
    if (apiCode(error) !== STREAM_NAME_IN_USE) throw error;
    return jsm.streams.info(EVENTS_STREAM);
  }
}
