import { deleteFileCommand, listUploadPartsQuery } from '@ledgerline/contracts';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, FilesHarness, newUser, pdfBytes } from '../testing/filesHarness.js';

const MiB = 1024 * 1024;
const h = new FilesHarness();
// The shortest upload TTL the config allows, so the saga's expiry timeout fires within the test.
beforeAll(() =>
  h.start({
    UPLOAD_TTL_SECONDS: '10',
    MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    MULTIPART_PART_BYTES: String(5 * MiB),
  }),
);
afterAll(() => h.stop());

describe('expiry (scheduled timeout of the saga)', () => {
  it('an upload never completed expires, with or without bytes: object removed, quota released', async () => {
    const owner = newUser();
    const withBytes = pdfBytes(500);
    const without = pdfBytes(600);
    const sent = await h.request(owner, withBytes, 'application/pdf');
    const notSent = await h.request(owner, without, 'application/pdf');
    expect((await h.put(sent.upload, withBytes)).status).toBe(200);
    expect(await h.storage(owner)).toMatchObject({ reservedBytes: 1100 });
    await h.waitForStatus(owner, sent.fileId, 'expired', 40_000);
    await h.waitForStatus(owner, notSent.fileId, 'expired', 40_000);
    await waitUntil(() => h.keysOf(sent.fileId).length === 0, 20_000);
    expect(await h.storage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
    expect(await h.eventsOf(sent.fileId, 'UploadExpired')).toHaveLength(1);
    await expect(h.complete(owner, sent.fileId)).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
  }, 60_000);

  it('an abandoned multipart upload is aborted at expiry (S3 lists no parts)', async () => {
    const owner = newUser();
    await h.makePro(owner);
    const body = pdfBytes(15 * MiB);
    const requested = await h.request(owner, body, 'application/pdf');
    await h.putParts(requested.upload, body, [1, 2]);
    const parts = () => h.as(owner)(listUploadPartsQuery, { userId: owner, fileId: requested.fileId });
    expect((await parts()).parts).toHaveLength(2);
    await h.waitForStatus(owner, requested.fileId, 'expired', 40_000);
    await waitUntil(async () => (await parts()).parts.length === 0, 20_000);
    expect(h.s3.store.uploads.size).toBe(0);
    expect(h.s3.keys(BUCKET, 'incoming/')).toEqual([]);
  }, 60_000);
});

describe('delete that S3 keeps refusing', () => {
  it('is retried, then dead-lettered (never forgotten); the quota is back at once', async () => {
    const owner = newUser();
    const body = pdfBytes(900);
    const { fileId, upload } = await h.request(owner, body, 'application/pdf');
    await h.put(upload, body);
    await h.complete(owner, fileId);
    await h.waitForStatus(owner, fileId, 'available');
    h.s3.failNext('DeleteObject', 10_000);
    try {
      await h.as(owner)(deleteFileCommand, { userId: owner, fileId });
      expect(await h.storage(owner)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
      const parked = async () => {
        const { rows } = await h.pool.query<{ source_name: string; text: string }>(
          `SELECT source_name, error || payload::text AS text FROM "${h.schema}_es"."dead_letters"
           WHERE source_kind = 'saga'`,
        );
        return rows.find((row) => row.text.includes(fileId));
      };
      await waitUntil(async () => (await parked()) !== undefined, 150_000);
      expect((await parked())?.source_name).toBe('upload-verification');
      expect(h.keysOf(fileId)).toEqual([`files/${owner}/${fileId}`]);
    } finally {
      h.s3.failNext('DeleteObject', 0);
    }
  }, 180_000);
});
