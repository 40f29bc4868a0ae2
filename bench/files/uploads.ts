import { createHash, randomBytes } from 'node:crypto';
import { completeUploadCommand, type MessageMeta, requestUploadCommand, uuidv7 } from '@ledgerline/contracts';
import { natsRequest } from '@ledgerline/platform';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { percentile } from '../kernel/stats.js';

export interface UploadsRun {
  uploadsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
}

const meta = (userId: string): MessageMeta => ({
  requestId: uuidv7(),
  correlationId: uuidv7(),
  causationId: uuidv7(),
  actor: { type: 'user', id: userId, roles: ['user'] },
});

/** Retries what a client retries: 503 (UNAVAILABLE / TIMEOUT), after a short pause. */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 10 || (code !== 'UNAVAILABLE' && code !== 'TIMEOUT')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * `count` small uploads end to end, `concurrency` at a time over `users` users: RequestUpload over
 * NATS, a real HTTP PUT to the presigned URL, CompleteUpload, then `evt.files.FileAvailable` on
 * JetStream. Latency is from the complete call to the FileAvailable message.
 */
export async function smallUploads(
  nc: NatsConnection,
  options: { count: number; sizeBytes: number; concurrency: number; users: number },
): Promise<UploadsRun> {
  const users = Array.from({ length: options.users }, () => uuidv7());
  const completedAt = new Map<string, number>();
  const latencies: number[] = [];
  let resolveAll!: () => void;
  const allAvailable = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const consumer = await jetstream(nc).consumers.get('EVENTS', {
    filter_subjects: 'evt.files.FileAvailable',
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  void (async () => {
    for await (const message of messages) {
      const fileId = message.json<{ data: { fileId: string } }>().data.fileId;
      const started = completedAt.get(fileId);
      if (started === undefined) continue;
      latencies.push(performance.now() - started);
      if (latencies.length === options.count) resolveAll();
    }
  })();

  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.count; i = next++) {
      const userId = users[i % users.length]!;
      const body = randomBytes(options.sizeBytes);
      Buffer.from('%PDF-1.7\n').copy(body);
      const sha256 = createHash('sha256').update(body).digest('hex');
      const request = {
        userId,
        fileName: `bench-${i}.pdf`,
        contentType: 'application/pdf',
        size: body.length,
        sha256,
      };
      const requested = await retrying(() =>
        natsRequest(nc, requestUploadCommand, request, { meta: meta(userId), timeoutMs: 30_000 }),
      );
      if (requested.upload.method !== 'PUT') throw new Error('expected a single PUT');
      const put = await fetch(requested.upload.url, {
        method: 'PUT',
        headers: requested.upload.headers,
        body,
      });
      if (put.status !== 200) throw new Error(`PUT ${put.status}: ${await put.text()}`);
      completedAt.set(requested.fileId, performance.now());
      const complete = { userId, fileId: requested.fileId };
      await retrying(() =>
        natsRequest(nc, completeUploadCommand, complete, { meta: meta(userId), timeoutMs: 30_000 }),
      );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const timeout = setTimeout(() => resolveAll(), 120_000);
  await allAvailable;
  clearTimeout(timeout);
  const elapsed = performance.now() - started;
  await messages.close();
  return {
    uploadsPerSecond: (latencies.length * 1000) / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    count: latencies.length,
  };
}
