import { createHash, randomBytes } from 'node:crypto';
import { closeNats, connectNats } from '@ledgerline/platform';
import { type S3TestServer, startS3Server, waitUntil } from '@ledgerline/testing';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster.js';
import { login, register, type SignedIn, uniqueEmail } from './flows.js';
import { call } from './http.js';

// The cluster runs the files service against this file's S3 API server: uploads go straight to it with a
// real HTTP PUT to the presigned URL, and the gateway only ever sees metadata.
const BUCKET = 'e2e-files';
let cluster: Cluster;
let s3: S3TestServer;
let ada: SignedIn;
let eve: SignedIn;

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const pdf = (size: number) => {
  const body = randomBytes(size);
  Buffer.from('%PDF-1.7\n').copy(body);
  return body;
};

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  // Every process gets these; only the files service reads them.
  cluster = await startCluster({
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: BUCKET,
    S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  });
  if (!cluster.services.files) throw new Error('the cluster did not start the files service');
  const adaEmail = uniqueEmail('ada-files');
  const eveEmail = uniqueEmail('eve-files');
  await register(cluster, adaEmail);
  await register(cluster, eveEmail);
  ada = await login(cluster, adaEmail);
  eve = await login(cluster, eveEmail);
});

afterAll(async () => {
  await cluster?.stop();
  await s3?.close();
});

const api = <T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown) =>
  call<T>(cluster.baseUrl, method, path, { token, body });

interface Requested {
  fileId: string;
  status: string;
  expiresAt: string;
  upload: { method: 'PUT'; url: string; headers: Record<string, string> };
}

/** Waits for `evt.files.FileAvailable` of one file on JetStream EVENTS. */
async function fileAvailableOnJetStream(fileId: string): Promise<Record<string, unknown>> {
  const nc = await connectNats({ servers: cluster.natsUrl, name: 'files-e2e' });
  try {
    const consumer = await jetstream(nc).consumers.get('EVENTS', {
      filter_subjects: 'evt.files.FileAvailable',
      deliver_policy: DeliverPolicy.All,
    });
    for (let i = 0; i < 50; i++) {
      const message = await consumer.next({ expires: 2_000 });
      const event = message?.json<{ data: Record<string, unknown> }>();
      if (event?.data.fileId === fileId) return event.data;
    }
    throw new Error(`no FileAvailable for ${fileId}`);
  } finally {
    await closeNats(nc);
  }
}

describe('files through the gateway', () => {
  it('request → real HTTP PUT to the presigned URL → complete → FileAvailable on JetStream → same bytes', async () => {
    const body = pdf(10 * 1024);
    const requested = await api<Requested>('POST', '/files/uploads', ada.accessToken, {
      fileName: 'Résumé 2026.pdf',
      contentType: 'application/pdf',
      size: body.length,
      sha256: sha256(body),
    });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ status: 'awaiting_upload', upload: { method: 'PUT' } });
    const { fileId, upload } = requested.body;
    expect(new URL(upload.url).pathname).toBe(`/${BUCKET}/incoming/${fileId}`);

    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
    expect(put.status).toBe(200);
    const complete = await api('POST', `/files/${fileId}/complete`, ada.accessToken);
    expect(complete).toMatchObject({ status: 202, body: { fileId, status: 'verifying' } });

    const event = await fileAvailableOnJetStream(fileId);
    expect(event).toMatchObject({
      fileId,
      ownerId: ada.userId,
      contentType: 'application/pdf',
      size: body.length,
    });
    const file = await api<{ status: string }>('GET', `/files/${fileId}`, ada.accessToken);
    expect(file.body.status).toBe('available');
    const etag = file.headers.get('etag')!;
    const notModified = await call(cluster.baseUrl, 'GET', `/files/${fileId}`, {
      token: ada.accessToken,
      headers: { 'if-none-match': etag },
    });
    expect(notModified.status).toBe(304);

    const link = await api<{ url: string }>('GET', `/files/${fileId}/download`, ada.accessToken);
    expect(link.status).toBe(200);
    const download = await fetch(link.body.url);
    expect(download.headers.get('content-disposition')).toBe(
      "attachment; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf",
    );
    expect(Buffer.from(await download.arrayBuffer())).toEqual(body);
    const storage = await api('GET', '/me/storage', ada.accessToken);
    expect(storage.body).toMatchObject({ usedBytes: body.length, reservedBytes: 0, tier: 'free' });

    // Another user's fileId is 404 on every route.
    for (const [method, path] of [
      ['GET', `/files/${fileId}`],
      ['GET', `/files/${fileId}/download`],
      ['POST', `/files/${fileId}/complete`],
      ['DELETE', `/files/${fileId}`],
      ['GET', `/files/uploads/${fileId}/parts`],
    ] as const) {
      expect((await api(method, path, eve.accessToken)).status, `${method} ${path}`).toBe(404);
    }
    const listed = await api<{ items: { fileId: string }[] }>(
      'GET',
      '/files?status=available',
      ada.accessToken,
    );
    expect(listed.body.items.map((f) => f.fileId)).toContain(fileId);

    const deleted = await api('DELETE', `/files/${fileId}`, ada.accessToken);
    expect(deleted).toMatchObject({ status: 202, body: { fileId, status: 'deleted' } });
    expect((await api('GET', `/files/${fileId}`, ada.accessToken)).body).toMatchObject({ status: 'deleted' });
    expect((await api('GET', '/me/storage', ada.accessToken)).body).toMatchObject({ usedBytes: 0 });
    await waitUntil(() => s3.keys(BUCKET).every((key) => !key.endsWith(fileId)), 20_000);
  });

  it('refuses up front with problem+json: too large (413 with numbers), bad hash, bad name, type not allowed', async () => {
    const base = {
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      size: 10,
      sha256: sha256(Buffer.from('x')),
    };
    const tooLarge = await api('POST', '/files/uploads', ada.accessToken, { ...base, size: 2 * 1024 ** 3 });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toContain('application/problem+json');
    expect(tooLarge.body).toMatchObject({
      details: { maxFileBytes: 100 * 1024 * 1024, requestedBytes: 2 * 1024 ** 3 },
    });
    for (const bad of [
      { ...base, sha256: 'not-a-hash' },
      { ...base, fileName: 'a\u0007.pdf' },
      { ...base, fileName: `${'é'.repeat(128)}.pdf` },
      { ...base, contentType: 'text/html' },
    ]) {
      const refused = await api('POST', '/files/uploads', ada.accessToken, bad);
      expect(refused.status, JSON.stringify(bad).slice(0, 80)).toBe(422);
    }
  });

  it('download of a file that is not available yet is 409', async () => {
    const body = pdf(100);
    const requested = await api<Requested>('POST', '/files/uploads', ada.accessToken, {
      fileName: 'later.pdf',
      contentType: 'application/pdf',
      size: body.length,
      sha256: sha256(body),
    });
    const link = await api('GET', `/files/${requested.body.fileId}/download`, ada.accessToken);
    expect(link.status).toBe(409);
  });
});
