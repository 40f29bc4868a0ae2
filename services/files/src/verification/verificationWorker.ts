import { type RejectionReason, uploadCompletedEvent } from '@ledgerline/contracts';
import { createDurableConsumer } from '@ledgerline/eventsourcing';
import type { WorkerDefinition } from '@ledgerline/platform';
import { type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { FilesDeps } from '../filesDeps.js';
import { rejectUpload } from '../uploads/cleanup.js';
import { verifyUpload } from './verifyUpload.js';

/** Delay before verification attempt n+1 after n failed ones; then the upload is rejected. */
export const VERIFY_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];
const MAX_ATTEMPTS = VERIFY_RETRY_DELAYS_MS.length + 1;
/** A long verification tells JetStream it is still working this often (the ack wait is 30 s). */
const HEARTBEAT_MS = 10_000;

/** Why the last attempt failed, as the rejection reason (fail closed either way). */
const reasonOf = (error: unknown): RejectionReason =>
  (error as { details?: { reason?: unknown } } | null)?.details?.reason === 'scan_unavailable'
    ? 'scan_unavailable'
    : 'missing';

/**
 * Runs verification for each `evt.files.UploadCompleted` on a durable JetStream consumer, several
 * uploads at once. A crash leaves the message unacked: JetStream redelivers it and verification
 * resumes after its last recorded step. An object not there yet (or clamd down) is retried with
 * growing delays (nak), and rejected after the last attempt.
 */
export const verificationWorker: WorkerDefinition<FilesDeps> = {
  name: 'verification',
  async start(deps) {
    const durable = deps.durables.verification;
    await createDurableConsumer({
      jsm: await jetstreamManager(deps.nats),
      durable,
      filterSubject: uploadCompletedEvent.subject,
      maxDeliver: MAX_ATTEMPTS + 3,
      ackWaitMs: 30_000,
      description: 'files: verification of completed uploads',
    });
    const consumer = await jetstream(deps.nats).consumers.get('EVENTS', durable);
    const concurrency = deps.settings.VERIFY_CONCURRENCY;
    const messages = await consumer.consume({ max_messages: concurrency });
    const inFlight = new Set<Promise<void>>();
    const loop = (async () => {
      for await (const message of messages) {
        const work = verifyMessage(deps, message).finally(() => inFlight.delete(work));
        inFlight.add(work);
        // Pull no further than the configured number of verifications at once.
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      }
    })();
    return {
      async stop() {
        await messages.close();
        await loop;
        await Promise.allSettled(inFlight);
      },
    };
  },
};

async function verifyMessage(deps: FilesDeps, message: JsMsg): Promise<void> {
  const attempt = message.info.deliveryCount;
  let fileId: string;
  try {
    fileId = uploadCompletedEvent.data.parse(message.json<{ data: unknown }>().data).fileId;
  } catch (err) {
    deps.logger.error({ err, subject: message.subject }, 'unreadable UploadCompleted; dropped');
    message.term();
    return;
  }
  const heartbeat = setInterval(() => message.working(), HEARTBEAT_MS);
  try {
    await verifyUpload(deps, fileId);
    message.ack();
  } catch (error) {
    if (attempt < MAX_ATTEMPTS) {
      deps.logger.debug({ err: error, fileId, attempt }, 'verification will be retried');
      message.nak(VERIFY_RETRY_DELAYS_MS[attempt - 1]);
      return;
    }
    try {
      await rejectUpload(deps, fileId, reasonOf(error));
      message.ack();
    } catch (err) {
      deps.logger.warn({ err, fileId }, 'rejecting after the last verification attempt failed; retrying');
      message.nak(5_000);
    }
  } finally {
    clearInterval(heartbeat);
  }
}
