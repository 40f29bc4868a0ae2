import { createDurableConsumer, isConcurrencyError } from '@ledgerline/eventsourcing';
import type { WorkerDefinition } from '@ledgerline/platform';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { FilesDeps } from '../filesDeps.js';
import { loadUpload, runUpload } from './runUpload.js';

/** Where MinIO publishes bucket notifications (its NATS target, JetStream mode, stream EXTERNAL). */
export const S3_NOTIFICATIONS_SUBJECT = 'ext.s3.>';

interface S3Record {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string } };
}

/** The quarantined fileIds an S3 event notification (MinIO/AWS `Records` shape) says were created. */
export function createdFileIds(body: unknown, bucket: string): string[] {
  const records = (body as { Records?: S3Record[] } | null)?.Records ?? [];
  const ids: string[] = [];
  for (const record of records) {
    if (!record.eventName?.includes('ObjectCreated') || record.s3?.bucket?.name !== bucket) continue;
    const key = decodeURIComponent((record.s3.object?.key ?? '').replace(/\+/g, ' '));
    const match = /^incoming\/([0-9a-f-]{36})$/.exec(key);
    if (match) ids.push(match[1]!);
  }
  return ids;
}

/**
 * A second trigger of verification: an `ObjectCreated` bucket notification completes the upload
 * as the client's `complete` call would. The Upload decider records one completion whichever
 * comes first, so duplicates and both triggers together end in one verification.
 */
export const s3NotificationsWorker: WorkerDefinition<FilesDeps> = {
  name: 's3-notifications',
  async start(deps) {
    const durable = deps.durables.notifications;
    await createDurableConsumer({
      jsm: await jetstreamManager(deps.nats),
      stream: 'EXTERNAL',
      durable,
      filterSubject: S3_NOTIFICATIONS_SUBJECT,
      description: 'files: S3 ObjectCreated notifications',
    });
    const consumer = await jetstream(deps.nats).consumers.get('EXTERNAL', durable);
    const messages = await consumer.consume({ max_messages: 20 });
    const loop = (async () => {
      for await (const message of messages) {
        try {
          let body: unknown;
          try {
            body = message.json();
          } catch {
            body = null;
          }
          for (const fileId of createdFileIds(body, deps.settings.S3_BUCKET))
            await completeFromNotification(deps, fileId);
          message.ack();
        } catch (err) {
          deps.logger.warn({ err }, 'S3 notification not applied; redelivering');
          message.nak(5_000);
        }
      }
    })();
    return {
      async stop() {
        await messages.close();
        await loop;
      },
    };
  },
};

async function completeFromNotification(deps: FilesDeps, fileId: string): Promise<void> {
  const upload = await loadUpload(deps, fileId);
  // Only an upload still awaiting its bytes; anything else (unknown, verifying, expired) is a no-op.
  if (upload.status !== 'awaiting_upload' || upload.request.multipart) return;
  try {
    await runUpload(deps, fileId, { type: 'CompleteUpload', data: { trigger: 'notification', parts: null } });
  } catch (error) {
    if (!isConcurrencyError(error) && !(error as { code?: string }).code?.match(/ILLEGAL_STATE/)) throw error;
  }
}
