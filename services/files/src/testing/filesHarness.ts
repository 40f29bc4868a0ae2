import { createHash, randomUUID } from 'node:crypto';
import {
  completeUploadCommand,
  getFileQuery,
  getStorageQuery,
  type MessageMeta,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  requestUploadCommand,
  uuidv7,
} from '@ledgerline/contracts';
import {
  closeNats,
  connectNats,
  createLogger,
  type NatsConnection,
  natsRequest,
  type RunningService,
  startService,
} from '@ledgerline/platform';
import {
  dropServiceSchemas,
  type S3TestServer,
  startS3Server,
  startTestNats,
  type TestNats,
  testPool,
  uniqueServiceName,
  waitUntil,
} from '@ledgerline/testing';
import { jetstream } from '@nats-io/jetstream';
import type pg from 'pg';
import service from '../service.js';
import { uploads } from '../uploads/uploads.js';

export const BUCKET = 'files-test';

const MiB = 1024 * 1024;
/** Small limits so quota tests stay small: free 1,000,000 bytes; pro 100 MiB with text allowed. */
export const TEST_TIERS = {
  free: {
    quotaBytes: 1_000_000,
    maxFileBytes: 500_000,
    contentTypes: ['image/png', 'image/jpeg', 'application/pdf'],
  },
  pro: {
    quotaBytes: 100 * MiB,
    maxFileBytes: 50 * MiB,
    contentTypes: ['image/png', 'application/pdf', 'text/plain'],
    unsniffableTypes: ['text/plain'],
  },
  enterprise: {
    quotaBytes: 1024 * MiB,
    maxFileBytes: 512 * MiB,
    contentTypes: ['image/png', 'application/pdf'],
  },
};
export const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** A PNG's signature and IHDR chunk: enough for `file-type` to sniff image/png. */
export const pngBytes = (extra = 64): Buffer =>
  Buffer.concat([
    Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
    Buffer.alloc(extra, 7),
  ]);
export const pdfBytes = (size = 2048): Buffer => {
  const body = Buffer.alloc(size, 0x20);
  Buffer.from('%PDF-1.7\n').copy(body);
  if (size >= 64) body.write(randomUUID(), 20);
  return body;
};

const userMeta = (userId: string, roles: string[] = ['user']): MessageMeta => ({
  requestId: randomUUID(),
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor: { type: 'user', id: userId, roles },
});

/** The files service on real Postgres, a private NATS with JetStream, and the S3 test server. */
export class FilesHarness {
  service!: RunningService;
  client!: NatsConnection;
  s3!: S3TestServer;
  nats!: TestNats;
  pool!: pg.Pool;
  readonly schema = uniqueServiceName('files');
  env: Record<string, string | undefined> = {};

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    this.pool = await testPool();
    this.nats = await startTestNats({ jetstream: true });
    this.s3 = await startS3Server({ buckets: [BUCKET] });
    this.env = {
      ...process.env,
      NATS_URL: this.nats.url,
      SERVICE_SCHEMA: this.schema,
      LOG_LEVEL: 'warn',
      S3_ENDPOINT: this.s3.endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: this.s3.region,
      S3_ACCESS_KEY_ID: this.s3.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: this.s3.credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      FILES_TIERS: JSON.stringify(TEST_TIERS),
      // Retry ladders of 0.1 s…3.2 s instead of 0.5 s…16 s: the same steps, a shorter wait.
      VERIFY_RETRY_BASE_MS: '100',
      REMOVAL_RETRY_BASE_MS: '100',
      ...extraEnv,
    };
    await this.startService();
    this.client = await connectNats({ servers: this.nats.url, name: 'files-test' });
  }

  async startService(): Promise<void> {
    const logger = createLogger({ service: 'files', level: 'warn' });
    this.service = await startService(service, { env: this.env, logger, handleSignals: false });
  }

  get deps() {
    return this.service.depsOf(uploads);
  }

  async stop(): Promise<void> {
    await this.service?.close();
    if (this.client) await closeNats(this.client);
    await this.s3?.close();
    await this.nats?.stop();
    await dropServiceSchemas(this.pool, this.schema);
    await this.pool.end();
  }

  send<C extends RequestContract>(
    contract: C,
    request: RequestOf<C>,
    meta?: MessageMeta,
  ): Promise<ReplyDataOf<C>> {
    return natsRequest(this.client, contract, request, { meta, timeoutMs: 30_000 });
  }

  as(userId: string, roles?: string[]) {
    const meta = userMeta(userId, roles);
    return <C extends RequestContract>(contract: C, request: RequestOf<C>) =>
      this.send(contract, request, meta);
  }

  /** Requests an upload of `body` declared as `contentType` (declared hash and size: the body's, unless given). */
  request(
    userId: string,
    body: Buffer,
    contentType: string,
    declared: { sha256?: string; size?: number } = {},
  ) {
    return this.as(userId)(requestUploadCommand, {
      userId,
      fileName: 'upload.bin',
      contentType,
      size: declared.size ?? body.length,
      sha256: declared.sha256 ?? sha256Hex(body),
    });
  }

  /** PUTs to the presigned URL exactly as a browser would: the signed headers, the body. */
  async put(upload: ReplyDataOf<typeof requestUploadCommand>['upload'], body: Buffer): Promise<Response> {
    if (upload.method !== 'PUT') throw new Error('not a single PUT upload');
    return fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
  }

  complete(userId: string, fileId: string) {
    return this.as(userId)(completeUploadCommand, { userId, fileId });
  }

  file(userId: string, fileId: string) {
    return this.as(userId)(getFileQuery, { userId, fileId });
  }

  storage(userId: string) {
    return this.as(userId)(getStorageQuery, { userId });
  }

  async waitForStatus(userId: string, fileId: string, status: string, timeoutMs = 30_000) {
    await waitUntil(async () => (await this.file(userId, fileId)).status === status, timeoutMs);
    return this.file(userId, fileId);
  }

  /** Events of one type in the upload's stream (read with the test's own pool: works while stopped). */
  async eventsOf(fileId: string, type: string) {
    const { rows } = await this.pool.query<{ event_type: string; data: unknown }>(
      `SELECT event_type, data FROM "${this.schema}_es"."events" WHERE stream_id = $1 AND event_type = $2`,
      [`upload-${fileId}`, type],
    );
    return rows;
  }

  /** Publishes an identity public event on JetStream, as identity's relay would. */
  async publishIdentityEvent(type: string, data: Record<string, unknown>): Promise<void> {
    const id = uuidv7();
    const envelope = {
      id,
      type,
      schemaVersion: 1,
      streamId: `account-${String(data.userId)}`,
      streamPosition: 1,
      globalPosition: 1,
      occurredAt: new Date().toISOString(),
      data,
      meta: {},
    };
    const js = jetstream(this.client);
    await js.publish(`evt.identity.${type}`, JSON.stringify(envelope), { msgID: id });
  }

  /**
   * Publishes the test server's ObjectCreated events to JetStream `ext.s3.ObjectCreated` in MinIO's
   * shape, as MinIO's NATS notification target does. Returns a function that stops it.
   */
  bridgeNotifications(): () => void {
    const js = jetstream(this.client);
    return this.s3.onObjectCreated((event) => {
      const record = {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        eventName: event.eventName,
        s3: {
          bucket: { name: event.bucket },
          object: { key: encodeURIComponent(event.key), size: event.size, eTag: event.eTag },
        },
      };
      const body = { EventName: event.eventName, Key: `${event.bucket}/${event.key}`, Records: [record] };
      void js.publish('ext.s3.ObjectCreated', JSON.stringify(body));
    });
  }

  /** Makes `userId` a pro user through identity's event and waits for the tier read model. */
  async makePro(userId: string): Promise<void> {
    await this.publishIdentityEvent('UserTierChanged', {
      userId,
      tier: 'pro',
      changedAt: new Date().toISOString(),
    });
    await waitUntil(async () => (await this.storage(userId)).tier === 'pro', 20_000);
  }

  /** Uploads the parts of a multipart upload (by number) with plain HTTP PUTs; returns their ETags. */
  async putParts(
    upload: ReplyDataOf<typeof requestUploadCommand>['upload'],
    body: Buffer,
    numbers: number[],
  ): Promise<{ partNumber: number; etag: string }[]> {
    if (upload.method !== 'MULTIPART') throw new Error('not a multipart upload');
    const out: { partNumber: number; etag: string }[] = [];
    for (const partNumber of numbers) {
      const part = upload.parts.find((p) => p.partNumber === partNumber)!;
      const slice = body.subarray((partNumber - 1) * upload.partSize, partNumber * upload.partSize);
      const response = await fetch(part.url, { method: 'PUT', body: slice });
      if (response.status !== 200)
        throw new Error(`part ${partNumber}: ${response.status} ${await response.text()}`);
      out.push({ partNumber, etag: response.headers.get('etag') ?? '' });
    }
    return out;
  }

  /** Every key the bucket holds for one file. */
  keysOf(fileId: string): string[] {
    return this.s3.keys(BUCKET).filter((key) => key.endsWith(fileId));
  }
}

export const newUser = () => uuidv7();
