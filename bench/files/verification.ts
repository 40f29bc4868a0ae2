import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HashThread, inspect, ObjectStore } from '@ledgerline/files';

export interface S3Target {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface VerificationRun {
  rawMBps: number;
  verifyMBps: number;
}

/**
 * One object of `sizeMiB`, read in the same run (a) raw: GetObject, stream drained, and (b) as the
 * files service verifies it: HEAD, then one GetObject (If-Match) through SHA-256 (on the files
 * service's hashing thread, as for any object of 1 MiB or more) and the sniffer.
 */
export async function verificationThroughput(target: S3Target, sizeMiB: number, runs: number) {
  const config = {
    S3_ENDPOINT: target.endpoint,
    S3_PUBLIC_ENDPOINT: '',
    S3_REGION: 'us-east-1',
    S3_BUCKET: target.bucket,
    S3_ACCESS_KEY_ID: target.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: target.credentials.secretAccessKey,
    S3_FORCE_PATH_STYLE: true,
  };
  const s3 = new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    credentials: target.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const objects = new ObjectStore(config);
  const hashing = new HashThread();
  const key = `incoming/bench-${randomBytes(4).toString('hex')}`;
  const body = randomBytes(sizeMiB * 1024 * 1024);
  Buffer.from('%PDF-1.7\n').copy(body);
  const expected = createHash('sha256').update(body).digest('hex');
  await s3.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, ContentType: 'application/pdf' }),
  );
  const bytes = body.length;
  const mbps = (ms: number) => bytes / 1024 / 1024 / (ms / 1000);
  const out: VerificationRun[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      let started = performance.now();
      const raw = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
      let read = 0;
      for await (const chunk of raw.Body as Readable) read += (chunk as Buffer).length;
      const rawMs = performance.now() - started;
      if (read !== bytes) throw new Error(`raw read ${read} of ${bytes} bytes`);

      started = performance.now();
      const head = await objects.head(key);
      const inspection = await inspect(await objects.read(key, head!.etag), {
        checkText: false,
        hash: hashing.hashFor(head!.size),
      });
      const verifyMs = performance.now() - started;
      if (inspection.sha256 !== expected || inspection.sniffed !== 'application/pdf') {
        throw new Error(`verification read the wrong bytes: ${inspection.sha256} ${inspection.sniffed}`);
      }
      out.push({ rawMBps: mbps(rawMs), verifyMBps: mbps(verifyMs) });
      console.log(
        `verification run ${run + 1}/${runs}: raw ${Math.round(mbps(rawMs))} MB/s · verify ${Math.round(mbps(verifyMs))} MB/s`,
      );
    }
  } finally {
    await objects.delete(key);
    objects.close();
    await hashing.close();
    s3.destroy();
  }
  return out;
}
