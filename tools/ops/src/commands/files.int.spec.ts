import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import filesService from '@ledgerline/files/service';
import { createLogger, startService } from '@ledgerline/platform';
import {
  dropServiceSchemas,
  infrastructure,
  startS3Server,
  startTestNats,
  testPool,
  uniqueServiceName,
  waitUntil,
} from '@ledgerline/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/runCli.test-helpers.js';

describe('ledgerline files (real Postgres/NATS, the S3 test server)', () => {
  it('lists no stuck upload and sweeps an orphan under incoming/ that no upload owns', async () => {
    const infra = await infrastructure();
    const nats = await startTestNats({ jetstream: true });
    const s3 = await startS3Server({ buckets: ['ops-files'] });
    const schema = uniqueServiceName('files_ops');
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NATS_URL: nats.url,
      DATABASE_URL: infra.databaseUrl,
      SERVICE_SCHEMA: schema,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: 'ops-files',
      S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    };
    const files = await startService(filesService, {
      env,
      logger: createLogger({ service: 'files', level: 'silent' }),
      handleSignals: false,
    });
    try {
      const orphan = `incoming/${randomUUID()}`;
      s3.putObject('ops-files', orphan, Buffer.from('left behind by a crash'));
      s3.putObject('ops-files', 'files/someone/kept', Buffer.from('a verified file'));
      const stuck = await runCli(['files', 'stuck', '--older-than', '1'], { env });
      expect(stuck).toMatchObject({ code: 0, stdout: 'no stuck uploads\n' });
      // Only objects older than the threshold are swept.
      await waitUntil(
        () => Date.now() - s3.store.bucket('ops-files').get(orphan)!.lastModified.getTime() > 1100,
        5_000,
      );
      const swept = await runCli(['files', 'sweep', '--older-than', '1'], { env });
      expect(swept.code).toBe(0);
      expect(swept.stdout).toContain(`removed 1 orphan(s)\n  ${orphan}`);
      expect(s3.keys('ops-files')).toEqual(['files/someone/kept']);
    } finally {
      await files.close();
      await s3.close();
      await nats.stop();
      const pool = await testPool(2);
      await dropServiceSchemas(pool, schema);
      await pool.end();
    }
  });
});
