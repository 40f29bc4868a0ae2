import { type ClamdTestServer, EICAR, startClamdServer, waitUntil } from '@ledgerline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesHarness, newUser, pdfBytes } from '../testing/filesHarness.js';

let clamd: ClamdTestServer;
const h = new FilesHarness();
beforeAll(async () => {
  clamd = await startClamdServer();
  await h.start({ CLAMAV_URL: clamd.url, CLAMAV_TIMEOUT_MS: '2000' });
});
afterAll(async () => {
  await h.stop();
  await clamd.close();
});

const upload = async (owner: string, body: Buffer) => {
  const { fileId, upload } = await h.request(owner, body, 'application/pdf');
  expect((await h.put(upload, body)).status).toBe(200);
  await h.complete(owner, fileId);
  return fileId;
};

describe('virus scan over clamd INSTREAM (fail closed)', () => {
  it('a clean file is scanned and becomes available', async () => {
    const owner = newUser();
    const scans = clamd.scans();
    const fileId = await upload(owner, pdfBytes(3000));
    await h.waitForStatus(owner, fileId, 'available');
    expect(clamd.scans()).toBe(scans + 1);
  });

  it('a file carrying the EICAR signature is rejected infected and removed', async () => {
    const owner = newUser();
    const body = pdfBytes(3000);
    body.write(EICAR, 1000, 'latin1');
    const fileId = await upload(owner, body);
    const file = await h.waitForStatus(owner, fileId, 'rejected');
    expect(file.reason).toBe('infected');
    await waitUntil(() => h.keysOf(fileId).length === 0, 20_000);
    expect(await h.storage(owner)).toMatchObject({ reservedBytes: 0, usedBytes: 0 });
  });

  it('clamd unreachable: verification retries, then rejects (never passes unscanned)', async () => {
    const owner = newUser();
    clamd.setDown(true);
    try {
      const fileId = await upload(owner, pdfBytes(3000));
      const file = await h.waitForStatus(owner, fileId, 'rejected', 60_000);
      expect(file.reason).toBe('scan_unavailable');
      expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(0);
    } finally {
      clamd.setDown(false);
    }
  }, 90_000);
});
