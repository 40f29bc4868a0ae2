import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3TestServer, startS3Server } from './s3Server.js';

// The server is proven with the real AWS SDK v3 and with plain fetch to presigned URLs.
let server: S3TestServer;
let s3: S3Client;
const bucket = 'test-bucket';

beforeAll(async () => {
  server = await startS3Server({ buckets: [bucket], minPartSize: 1024 });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  s3.destroy();
  await server.close();
});

const sha256 = (body: Buffer, encoding: 'hex' | 'base64') =>
  createHash('sha256').update(body).digest(encoding);

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(S3ServiceException);
  return error as S3ServiceException;
}

describe('S3 test server with the AWS SDK', () => {
  it('puts, heads, gets (with a range), lists, copies and deletes objects', async () => {
    const body = Buffer.from('hello, s3 — ünïcode key');
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'a/ü key.txt', Body: body, ContentType: 'text/plain' }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/ü key.txt' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentType).toBe('text/plain');
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'a/ü key.txt', Range: 'bytes=0-4' }),
    );
    expect(await got.Body!.transformToString()).toBe('hello');
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'b/copy',
        CopySource: `${bucket}/a/${encodeURIComponent('ü key.txt')}`,
      }),
    );
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'b/copy' }));
    expect(Buffer.from(await copy.Body!.transformToByteArray())).toEqual(body);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'a/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/ü key.txt']);
    const paged = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    expect(paged.IsTruncated).toBe(true);
    const next = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: paged.NextContinuationToken }),
    );
    expect(next.Contents?.map((c) => c.Key)).toEqual(['b/copy']);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'b/copy' }));
    const missing = await errorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'b/copy' })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const noKey = await errorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'b/copy' })));
    expect(noKey.name).toBe('NoSuchKey');
  });

  it('honours If-None-Match: * and x-amz-checksum-sha256', async () => {
    const body = Buffer.from('once');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: body, IfNoneMatch: '*' }));
    const again = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: body, IfNoneMatch: '*' })),
    );
    expect(again.name).toBe('PreconditionFailed');
    const bad = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'sum',
          Body: body,
          ChecksumSHA256: sha256(Buffer.from('x'), 'base64'),
        }),
      ),
    );
    expect(bad.name).toBe('BadDigest');
    expect(server.keys(bucket, 'sum')).toEqual([]);
  });

  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const wrong = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong' },
      forcePathStyle: true,
    });
    const error = await errorOf(wrong.send(new GetObjectCommand({ Bucket: bucket, Key: 'once' })));
    expect(error.name).toBe('SignatureDoesNotMatch');
    wrong.destroy();
  });

  it('runs the multipart API: list parts after a drop, complete, abort, list uploads', async () => {
    const key = 'multi/object';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/pdf' }),
    );
    const parts = [Buffer.alloc(2048, 1), Buffer.alloc(2048, 2), Buffer.alloc(10, 3)];
    const etags: string[] = [];
    for (const [index, part] of parts.slice(0, 2).entries()) {
      const out = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }),
      );
      etags.push(out.ETag!);
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, etags[0], 2048],
      [2, etags[1], 2048],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'multi/' }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
    const last = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 3, Body: parts[2] }),
    );
    etags.push(last.ETag!);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(done.ETag).toMatch(/-3"$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(Buffer.concat(parts));
    expect(object.ContentType).toBe('application/pdf');

    const abandoned = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multi/abandoned' }),
    );
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multi/abandoned',
        UploadId: abandoned.UploadId,
      }),
    );
    const gone = await errorOf(
      s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'multi/abandoned', UploadId: abandoned.UploadId })),
    );
    expect(gone.name).toBe('NoSuchUpload');
    const none = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(none.Uploads ?? []).toEqual([]);
  });

  it('refuses a multipart completion with a small middle part or a wrong ETag', async () => {
    const key = 'multi/small';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const one = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(10) }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: Buffer.alloc(10) }),
    );
    const complete = (parts: { ETag: string; PartNumber: number }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    expect(
      (
        await errorOf(
          complete([
            { ETag: one.ETag!, PartNumber: 1 },
            { ETag: two.ETag!, PartNumber: 2 },
          ]),
        )
      ).name,
    ).toBe('EntityTooSmall');
    expect((await errorOf(complete([{ ETag: '"bad"', PartNumber: 1 }]))).name).toBe('InvalidPart');
  });
});

describe('S3 test server with presigned URLs and plain fetch', () => {
  const presignPut = (key: string, body: Buffer, contentType: string) =>
    getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentLength: body.length,
        ContentType: contentType,
        ChecksumSHA256: sha256(body, 'base64'),
        IfNoneMatch: '*',
      }),
      {
        expiresIn: 60,
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );

  const headersFor = (body: Buffer, contentType: string) => ({
    'content-type': contentType,
    'x-amz-checksum-sha256': sha256(body, 'base64'),
    'if-none-match': '*',
  });

  it('signs length, type, checksum and no-overwrite into a presigned PUT that a conforming client can use once', async () => {
    const body = Buffer.from('%PDF-1.7 presigned');
    const url = await presignPut('incoming/presigned', body, 'application/pdf');
    const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signed).toEqual(
      expect.arrayContaining([
        'content-length',
        'content-type',
        'host',
        'if-none-match',
        'x-amz-checksum-sha256',
      ]),
    );
    const put = await fetch(url, { method: 'PUT', body, headers: headersFor(body, 'application/pdf') });
    expect(put.status).toBe(200);
    const again = await fetch(url, { method: 'PUT', body, headers: headersFor(body, 'application/pdf') });
    expect(again.status).toBe(412);
    expect(await again.text()).toContain('<Code>PreconditionFailed</Code>');
  });

  it('refuses other bytes, another type or another length than were signed', async () => {
    const body = Buffer.from('declared bytes');
    const url = await presignPut('incoming/tampered', body, 'image/png');
    const other = Buffer.from('declared bytez');
    const wrongBytes = await fetch(url, {
      method: 'PUT',
      body: other,
      headers: headersFor(body, 'image/png'),
    });
    expect(wrongBytes.status).toBe(400);
    expect(await wrongBytes.text()).toContain('<Code>BadDigest</Code>');
    const wrongType = await fetch(url, { method: 'PUT', body, headers: headersFor(body, 'text/html') });
    expect(wrongType.status).toBe(403);
    expect(await wrongType.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const short = body.subarray(0, 5);
    const wrongLength = await fetch(url, {
      method: 'PUT',
      body: short,
      headers: headersFor(body, 'image/png'),
    });
    expect(wrongLength.status).toBe(403);
    expect(server.keys(bucket, 'incoming/tampered')).toEqual([]);
  });

  it('serves a presigned GET with a Content-Disposition override and refuses it once expired', async () => {
    server.putObject(bucket, 'files/u/f', Buffer.from('bytes'), 'image/png');
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'files/u/f',
        ResponseContentDisposition: "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.png",
      }),
      { expiresIn: 60 },
    );
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.png");
    expect(await got.text()).toBe('bytes');
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'files/u/f' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    const refused = await fetch(expired);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Request has expired');
  });

  it('publishes ObjectCreated notifications and injects faults', async () => {
    const seen: string[] = [];
    const stop = server.onObjectCreated((event) => seen.push(`${event.eventName} ${event.key}`));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notified', Body: Buffer.from('n') }));
    stop();
    expect(seen).toEqual(['s3:ObjectCreated:Put notified']);
    server.failNext('DeleteObject', 3, 503);
    const failed = await errorOf(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'notified' })));
    expect(failed.$metadata.httpStatusCode).toBe(503);
  });
});
