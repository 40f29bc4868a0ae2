import { completeUploadCommand, getDownloadUrlQuery, listUploadPartsQuery } from '@ledgerline/contracts';
import { waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationStep } from '../filesDeps.js';
import { FilesHarness, newUser, pdfBytes, pngBytes, sha256Hex } from '../testing/filesHarness.js';

const MiB = 1024 * 1024;
const h = new FilesHarness();
beforeAll(() =>
  h.start({ MULTIPART_THRESHOLD_BYTES: String(5 * MiB), MULTIPART_PART_BYTES: String(5 * MiB) }),
);
afterAll(() => h.stop());

describe('the files process stopped between two saga steps, then restarted', () => {
  const steps: VerificationStep[] = ['checked', 'hashed', 'copied', 'quarantine-deleted'];
  for (const [index, step] of steps.entries()) {
    it(`after "${step}": available exactly once, one object, quota counted once`, async () => {
      const owner = newUser();
      const body = pngBytes(200 + index);
      const { fileId, upload } = await h.request(owner, body, 'image/png');
      expect((await h.put(upload, body)).status).toBe(200);
      const first = h.service;
      let stopping: Promise<void> | undefined;
      h.deps.hooks.afterStep = (reached, id) => {
        if (reached !== step || id !== fileId || stopping) return;
        // The process goes away here: nothing after this step runs in it.
        stopping = first.close();
        throw new Error(`simulated crash after ${step}`);
      };
      await h.complete(owner, fileId);
      await waitUntil(() => stopping !== undefined, 20_000);
      await stopping;
      expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(0);

      await h.startService();
      const file = await h.waitForStatus(owner, fileId, 'available', 60_000);
      expect(file.sniffedContentType).toBe('image/png');
      expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(1);
      for (const type of ['UploadObjectChecked', 'UploadContentVerified', 'UploadObjectMoved']) {
        expect(await h.eventsOf(fileId, type)).toHaveLength(1);
      }
      expect(h.keysOf(fileId)).toEqual([`files/${owner}/${fileId}`]);
      expect(await h.storage(owner)).toMatchObject({ usedBytes: body.length, reservedBytes: 0 });
    }, 90_000);
  }
});

describe('multipart', () => {
  it('3 parts, connection dropped, parts listed, the rest uploaded, complete → available', async () => {
    const owner = newUser();
    await h.makePro(owner);
    const body = pdfBytes(15 * MiB + 1234);
    const requested = await h.request(owner, body, 'application/pdf');
    expect(requested.upload).toMatchObject({ method: 'MULTIPART', partSize: 5 * MiB });
    if (requested.upload.method !== 'MULTIPART') throw new Error('expected multipart');
    expect(requested.upload.parts).toHaveLength(4);
    const firstThree = await h.putParts(requested.upload, body, [1, 2, 3]);
    // The client lost its state: ask which parts S3 already holds.
    const listed = await h.as(owner)(listUploadPartsQuery, { userId: owner, fileId: requested.fileId });
    expect(listed.parts.map((p) => [p.partNumber, p.etag, p.size])).toEqual(
      firstThree.map((p) => [p.partNumber, p.etag, 5 * MiB]),
    );
    const last = await h.putParts(requested.upload, body, [4]);
    await h.as(owner)(completeUploadCommand, {
      userId: owner,
      fileId: requested.fileId,
      parts: [...firstThree, ...last],
    });
    await h.waitForStatus(owner, requested.fileId, 'available', 60_000);
    const { url } = await h.as(owner)(getDownloadUrlQuery, { userId: owner, fileId: requested.fileId });
    const downloaded = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(sha256Hex(downloaded)).toBe(sha256Hex(body));
    expect(h.keysOf(requested.fileId)).toEqual([`files/${owner}/${requested.fileId}`]);
  }, 90_000);
});

describe('tiers from identity events', () => {
  it('a deactivated user cannot start uploads; reactivated, they can', async () => {
    const owner = newUser();
    await h.publishIdentityEvent('UserDeactivated', {
      userId: owner,
      email: 'x@example.com',
      deactivatedAt: new Date().toISOString(),
      by: null,
    });
    await waitUntil(
      () =>
        h.request(owner, pdfBytes(100), 'application/pdf').then(
          () => false,
          (error: { code?: string }) => error.code === 'FORBIDDEN',
        ),
      20_000,
    );
    await h.publishIdentityEvent('UserReactivated', {
      userId: owner,
      reactivatedAt: new Date().toISOString(),
      by: null,
    });
    await waitUntil(
      () =>
        h.request(owner, pdfBytes(100), 'application/pdf').then(
          () => true,
          () => false,
        ),
      20_000,
    );
  });

  it("a user files has not heard of has the default tier; a tier change applies the new tier's limits", async () => {
    const owner = newUser();
    expect(await h.storage(owner)).toMatchObject({ tier: 'free', quotaBytes: 1_000_000 });
    await expect(h.request(owner, pdfBytes(100), 'application/pdf', { size: 600_000 })).rejects.toMatchObject(
      {
        code: 'VALIDATION',
        details: { reason: 'file_too_large' },
      },
    );
    await h.makePro(owner);
    expect(await h.storage(owner)).toMatchObject({ tier: 'pro', quotaBytes: 100 * MiB });
  });
});
