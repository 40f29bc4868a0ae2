import {
  adminListFilesQuery,
  deleteFileCommand,
  getDownloadUrlQuery,
  getFileQuery,
  listFilesQuery,
  listStuckUploadsQuery,
  listUploadPartsQuery,
  uuidv7,
  verifyUploadCommand,
} from '@ledgerline/contracts';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilesDeps } from '../filesDeps.js';
import { StorageAccounts } from '../storage/storageAccounts.js';
import { BUCKET, FilesHarness, newUser, pdfBytes, pngBytes, sha256Hex } from '../testing/filesHarness.js';
import { requestUpload } from './requestUpload.js';
import { reservationTurns } from './reserveUpload.js';

const userMeta = (userId: string) => ({
  requestId: uuidv7(),
  correlationId: uuidv7(),
  causationId: uuidv7(),
  actor: { type: 'user' as const, id: userId, roles: ['user'] },
});
const uploadRequest = (userId: string, size: number) => ({
  userId,
  fileName: 'upload.pdf',
  contentType: 'application/pdf',
  size,
  sha256: sha256Hex(pdfBytes(16)),
});

const h = new FilesHarness();
beforeAll(() => h.start());
afterAll(() => h.stop());

describe('single-PUT upload', () => {
  it('request → presigned PUT → complete → verified → download of the same bytes', async () => {
    const owner = newUser();
    const body = pdfBytes(4096);
    const requested = await h.request(owner, body, 'application/pdf');
    expect(requested.status).toBe('awaiting_upload');
    expect(await h.storage(owner)).toMatchObject({ usedBytes: 0, reservedBytes: body.length });
    const put = await h.put(requested.upload, body);
    expect(put.status).toBe(200);
    await expect(h.complete(owner, requested.fileId)).resolves.toEqual({
      fileId: requested.fileId,
      status: 'verifying',
    });
    const file = await h.waitForStatus(owner, requested.fileId, 'available');
    expect(file).toMatchObject({
      contentType: 'application/pdf',
      sniffedContentType: 'application/pdf',
      reason: null,
    });
    expect(h.keysOf(requested.fileId)).toEqual([`files/${owner}/${requested.fileId}`]);
    expect(await h.storage(owner)).toMatchObject({ usedBytes: body.length, reservedBytes: 0 });

    const { url } = await h.as(owner)(getDownloadUrlQuery, { userId: owner, fileId: requested.fileId });
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''upload.bin");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(body);
    expect(await h.eventsOf(requested.fileId, 'FileAvailable')).toHaveLength(1);
  });

  it('completes three times (two at once) and again once available: still verifies once', async () => {
    const owner = newUser();
    const body = pngBytes();
    const { fileId, upload } = await h.request(owner, body, 'image/png');
    await h.put(upload, body);
    await Promise.all([h.complete(owner, fileId), h.complete(owner, fileId)]);
    await h.complete(owner, fileId);
    await h.waitForStatus(owner, fileId, 'available');
    await h.complete(owner, fileId);
    expect(await h.eventsOf(fileId, 'UploadCompleted')).toHaveLength(1);
    expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(1);
    expect(h.keysOf(fileId)).toEqual([`files/${owner}/${fileId}`]);
  });
});

describe('bucket notifications (MinIO → NATS ext.s3.>)', () => {
  it('an ObjectCreated notification starts verification; with complete too, still one verification', async () => {
    const stop = h.bridgeNotifications();
    try {
      const owner = newUser();
      const onlyNotified = pngBytes(120);
      const both = pngBytes(130);
      const first = await h.request(owner, onlyNotified, 'image/png');
      const second = await h.request(owner, both, 'image/png');
      await h.put(first.upload, onlyNotified);
      await h.put(second.upload, both);
      await h.complete(owner, second.fileId);
      await h.waitForStatus(owner, first.fileId, 'available');
      await h.waitForStatus(owner, second.fileId, 'available');
      for (const fileId of [first.fileId, second.fileId]) {
        expect(await h.eventsOf(fileId, 'UploadCompleted')).toHaveLength(1);
        expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(1);
      }
      const triggers = await h.eventsOf(first.fileId, 'UploadCompleted');
      expect(triggers[0]?.data).toMatchObject({ trigger: 'notification' });
    } finally {
      stop();
    }
  });
});

describe('rejections: the stored bytes are what counts', () => {
  const rejectedWith = async (owner: string, fileId: string, reason: string, size: number) => {
    const file = await h.waitForStatus(owner, fileId, 'rejected');
    expect(file.reason).toBe(reason);
    // Compensation: the object goes (through the saga) and the reservation comes back.
    await waitUntil(() => h.keysOf(fileId).length === 0, 20_000);
    expect(await h.storage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
    expect(size).toBeGreaterThan(0);
  };

  it('different bytes of the same size than declared: checksum_mismatch', async () => {
    const owner = newUser();
    const declared = pdfBytes(1000);
    const other = pdfBytes(1000);
    const { fileId } = await h.request(owner, declared, 'application/pdf');
    // A store that does not enforce the signed checksum (or a client with other credentials).
    h.s3.putObject(BUCKET, `incoming/${fileId}`, other, 'application/pdf');
    await h.complete(owner, fileId);
    await rejectedWith(owner, fileId, 'checksum_mismatch', declared.length);
  });

  it('a PNG declared as a PDF: type_mismatch (the signed checksum does not help here)', async () => {
    const owner = newUser();
    const body = pngBytes();
    const { fileId, upload } = await h.request(owner, body, 'application/pdf');
    expect((await h.put(upload, body)).status).toBe(200);
    await h.complete(owner, fileId);
    await rejectedWith(owner, fileId, 'type_mismatch', body.length);
  });

  it('an HTML page renamed .png: type_mismatch', async () => {
    const owner = newUser();
    const body = Buffer.from('<!doctype html><html><script>alert(1)</script></html>');
    const { fileId, upload } = await h.request(owner, body, 'image/png');
    expect((await h.put(upload, body)).status).toBe(200);
    await h.complete(owner, fileId);
    await rejectedWith(owner, fileId, 'type_mismatch', body.length);
  });

  it('a short upload: size_mismatch', async () => {
    const owner = newUser();
    const declared = pdfBytes(2000);
    const { fileId } = await h.request(owner, declared, 'application/pdf');
    h.s3.putObject(BUCKET, `incoming/${fileId}`, declared.subarray(0, 1500), 'application/pdf');
    await h.complete(owner, fileId);
    await rejectedWith(owner, fileId, 'size_mismatch', declared.length);
  });

  it('complete before the bytes exist: verification retries, then rejects missing', async () => {
    const owner = newUser();
    const body = pdfBytes(100);
    const { fileId } = await h.request(owner, body, 'application/pdf');
    await expect(h.complete(owner, fileId)).resolves.toMatchObject({ status: 'verifying' });
    await rejectedWith(owner, fileId, 'missing', body.length);
  }, 60_000);
});

describe('quota and authorization', () => {
  it('20 concurrent requests over the quota: the accepted ones fit, the rest are refused with numbers', async () => {
    const owner = newUser();
    const quota = (await h.storage(owner)).quotaBytes;
    const size = Math.floor(quota / 10) + 1; // at most 9 fit
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => h.request(owner, pdfBytes(16), 'application/pdf', { size })),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(9);
    for (const { reason } of refused) {
      expect(reason).toMatchObject({
        code: 'VALIDATION',
        details: { reason: 'quota_exceeded', quotaBytes: quota, requestedBytes: size },
      });
    }
    const storage = await h.storage(owner);
    expect(storage.reservedBytes).toBe(9 * size);
    expect(storage.reservedBytes).toBeLessThanOrEqual(quota);
  });

  it('two replicas, each with its own (stale) storage snapshot, racing: still no overshoot', async () => {
    const owner = newUser();
    const quota = (await h.storage(owner)).quotaBytes;
    const size = Math.floor(quota / 10) + 1; // at most 9 fit
    // Another process: its own remembered snapshots and turns, the same database.
    const other: FilesDeps = {
      ...h.deps,
      storage: new StorageAccounts(),
      reservations: reservationTurns(() => other),
    };
    const replicas = [h.deps, other];
    const ask = (n: number) => requestUpload(replicas[n % 2]!, uploadRequest(owner, size), userMeta(owner));
    await ask(1); // replica 1 remembers the stream after one reservation…
    await ask(0); // …which replica 0 then moves on: replica 1's snapshot is stale
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => ask(n)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ details: { reason: 'quota_exceeded' } });
    }
    expect((await h.storage(owner)).reservedBytes).toBe(9 * size);
  });

  it("another user's fileId is NOT_FOUND everywhere; an admin sees it; download of a non-available file conflicts", async () => {
    const owner = newUser();
    const stranger = newUser();
    const body = pdfBytes(64);
    const { fileId } = await h.request(owner, body, 'application/pdf');
    const as = h.as(stranger);
    const refusals = [
      () => h.file(stranger, fileId),
      () => h.complete(stranger, fileId),
      () => as(deleteFileCommand, { userId: stranger, fileId }),
      () => as(getDownloadUrlQuery, { userId: stranger, fileId }),
      () => as(listUploadPartsQuery, { userId: stranger, fileId }),
    ];
    for (const refusal of refusals) await expect(refusal()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await as(listFilesQuery, { userId: stranger, sort: '-createdAt', limit: 20 })).items).toEqual([]);
    const admin = newUser();
    await expect(
      h.as(admin, ['user', 'admin'])(getFileQuery, { userId: admin, fileId }),
    ).resolves.toMatchObject({
      ownerId: owner,
    });
    await expect(h.as(owner)(getDownloadUrlQuery, { userId: owner, fileId })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('lists the caller’s files newest first with a cursor, filtered by status', async () => {
    const owner = newUser();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await h.request(owner, pdfBytes(100 + i), 'application/pdf')).fileId);
    const first = await h.as(owner)(listFilesQuery, { userId: owner, sort: '-createdAt', limit: 2 });
    expect(first.items.map((f) => f.fileId)).toEqual([ids[2], ids[1]]);
    expect(first.total).toBe(3);
    const second = await h.as(owner)(listFilesQuery, {
      userId: owner,
      sort: '-createdAt',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second.items.map((f) => f.fileId)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    const available = await h.as(owner)(listFilesQuery, {
      userId: owner,
      sort: '-createdAt',
      limit: 20,
      status: 'available',
    });
    expect(available.total).toBe(0);
    // Oldest first, one per page: every file once, in order, whatever shares a millisecond.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.as(owner)(listFilesQuery, { userId: owner, sort: 'createdAt', limit: 1, cursor });
      seen.push(...page.items.map((f) => f.fileId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
    const admin = newUser();
    const byOwner = await h.as(admin, ['user', 'admin'])(adminListFilesQuery, {
      ownerId: owner,
      sort: '-createdAt',
      limit: 20,
    });
    expect(byOwner).toMatchObject({ total: 3, nextCursor: null });
    expect(byOwner.items.map((f) => f.fileId)).toEqual([...ids].reverse());
    const forged = Buffer.from(JSON.stringify([new Date().toISOString(), '-'.repeat(36)])).toString(
      'base64url',
    );
    for (const bad of ['not-a-cursor', forged]) {
      await expect(
        h.as(owner)(listFilesQuery, { userId: owner, sort: '-createdAt', limit: 2, cursor: bad }),
      ).rejects.toMatchObject({ code: 'VALIDATION' });
    }
  });
});

describe('ops: stuck uploads', () => {
  it('lists an upload stuck verifying and re-runs its verification once the bytes are there', async () => {
    const owner = newUser();
    const body = pdfBytes(700);
    const { fileId } = await h.request(owner, body, 'application/pdf');
    await h.complete(owner, fileId);
    const stuck = await h.send(listStuckUploadsQuery, { olderThanSeconds: 0, limit: 1000 });
    expect(stuck.items.map((f) => f.fileId)).toContain(fileId);
    h.s3.putObject(BUCKET, `incoming/${fileId}`, body, 'application/pdf');
    await expect(h.send(verifyUploadCommand, { fileId })).resolves.toEqual({
      fileId,
      status: 'available',
      reason: null,
    });
    expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(1);
  });
});

describe('delete', () => {
  it('deletes: the quota comes back, the object goes even when S3 fails the first deletes', async () => {
    const owner = newUser();
    const body = pngBytes(300);
    const { fileId, upload } = await h.request(owner, body, 'image/png');
    await h.put(upload, body);
    await h.complete(owner, fileId);
    await h.waitForStatus(owner, fileId, 'available');
    h.s3.failNext('DeleteObject', 2);
    await expect(h.as(owner)(deleteFileCommand, { userId: owner, fileId })).resolves.toEqual({
      fileId,
      status: 'deleted',
    });
    expect(await h.storage(owner)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    expect((await h.file(owner, fileId)).status).toBe('deleted');
    await waitUntil(() => h.keysOf(fileId).length === 0, 30_000);
  }, 45_000);
});

describe('nightly sweep (a scheduled message)', () => {
  it('the timeout scheduled at start-up sends SweepIncoming, which removes an old orphan; the next night is scheduled', async () => {
    const orphan = `incoming/${uuidv7()}`;
    h.s3.putObject(BUCKET, orphan, pdfBytes(64)).lastModified = new Date(Date.now() - 2 * 86_400_000);
    const fresh = `incoming/${uuidv7()}`;
    h.s3.putObject(BUCKET, fresh, pdfBytes(64)); // too young: a client may still be uploading it
    const table = `"${h.schema}_es".scheduled_messages`;
    const pending = async () =>
      (
        await h.pool.query<{ id: string; due_at: Date }>(
          `SELECT id, due_at FROM ${table} WHERE saga = 'incoming-sweep' AND delivered_at IS NULL AND cancelled_at IS NULL`,
        )
      ).rows;
    const [first, ...others] = await pending();
    expect(others).toEqual([]);
    expect(first!.due_at.getTime()).toBeGreaterThan(Date.now());
    // Tonight is now.
    await h.pool.query(`UPDATE ${table} SET due_at = now() WHERE id = $1`, [first!.id]);
    await waitUntil(() => !h.s3.keys(BUCKET, 'incoming/').includes(orphan), 30_000);
    expect(h.s3.keys(BUCKET, 'incoming/')).toContain(fresh);
    const [next, ...more] = await pending();
    expect(more).toEqual([]);
    expect(next!.id).not.toBe(first!.id);
    expect(next!.due_at.getTime()).toBeGreaterThan(Date.now());
  });
});
