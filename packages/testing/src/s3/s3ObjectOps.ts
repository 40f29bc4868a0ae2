import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { send } from './s3BucketOps.js';
import type { RequestContext } from './s3Server.js';
import { md5Hex, S3Error, type StoredObject } from './s3Store.js';
import { elements, elementText } from './s3Xml.js';

// Object-level operations, including the multipart API.

export function handleObject(ctx: RequestContext): undefined {
  const query = ctx.url.searchParams;
  const uploadId = query.get('uploadId');
  switch (ctx.req.method) {
    case 'PUT':
      if (uploadId !== null) return uploadPart(ctx, uploadId);
      if (ctx.req.headers['x-amz-copy-source']) return copyObject(ctx);
      return putObject(ctx);
    case 'GET':
      if (uploadId !== null) return listParts(ctx, uploadId);
      return getObject(ctx, true);
    case 'HEAD':
      return getObject(ctx, false);
    case 'DELETE':
      if (uploadId !== null) {
        ctx.operation('AbortMultipartUpload');
        ctx.store.upload(ctx.bucket, ctx.key, uploadId);
        ctx.store.uploads.delete(uploadId);
      } else {
        ctx.operation('DeleteObject');
        ctx.store.bucket(ctx.bucket).delete(ctx.key);
      }
      ctx.res.statusCode = 204;
      ctx.res.end();
      return;
    case 'POST':
      if (query.has('uploads')) return createMultipartUpload(ctx);
      if (uploadId !== null) return completeMultipartUpload(ctx, uploadId);
      break;
  }
  throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}

function putObject(ctx: RequestContext): undefined {
  ctx.operation('PutObject');
  const headers = ctx.req.headers;
  ctx.store.checkWriteConditions(
    ctx.bucket,
    ctx.key,
    header(headers, 'if-none-match'),
    header(headers, 'if-match'),
  );
  const checksumSha256 = verifyChecksums(headers, ctx.body);
  const stored = ctx.store.put(ctx.bucket, ctx.key, {
    body: ctx.body,
    contentType: header(headers, 'content-type') ?? 'binary/octet-stream',
    metadata: metadataOf(headers),
    contentDisposition: header(headers, 'content-disposition'),
    checksumSha256,
  });
  ctx.res.setHeader('etag', `"${stored.etag}"`);
  if (checksumSha256) ctx.res.setHeader('x-amz-checksum-sha256', checksumSha256);
  ctx.res.end();
  ctx.notify({
    eventName: 's3:ObjectCreated:Put',
    bucket: ctx.bucket,
    key: ctx.key,
    size: ctx.body.length,
    eTag: stored.etag,
  });
}

function copyObject(ctx: RequestContext): undefined {
  ctx.operation('CopyObject');
  const headers = ctx.req.headers;
  const source = decodeURIComponent(header(headers, 'x-amz-copy-source')!.split('?')[0]!).replace(/^\//, '');
  const slash = source.indexOf('/');
  const from = ctx.store.object(source.slice(0, slash), source.slice(slash + 1));
  ctx.store.checkWriteConditions(
    ctx.bucket,
    ctx.key,
    header(headers, 'if-none-match'),
    header(headers, 'if-match'),
  );
  const replace = header(headers, 'x-amz-metadata-directive') === 'REPLACE';
  const stored = ctx.store.put(ctx.bucket, ctx.key, {
    body: from.body,
    contentType: replace ? (header(headers, 'content-type') ?? from.contentType) : from.contentType,
    metadata: replace ? metadataOf(headers) : from.metadata,
    contentDisposition: replace ? header(headers, 'content-disposition') : from.contentDisposition,
    checksumSha256: from.checksumSha256,
  });
  send(ctx, 'CopyObjectResult', {
    ETag: `"${stored.etag}"`,
    LastModified: stored.lastModified.toISOString(),
  });
  ctx.notify({
    eventName: 's3:ObjectCreated:Copy',
    bucket: ctx.bucket,
    key: ctx.key,
    size: stored.body.length,
    eTag: stored.etag,
  });
}

function getObject(ctx: RequestContext, withBody: boolean): undefined {
  ctx.operation(withBody ? 'GetObject' : 'HeadObject');
  const object = ctx.store.object(ctx.bucket, ctx.key);
  const { res } = ctx;
  const query = ctx.url.searchParams;
  writeObjectHeaders(ctx, object);
  res.setHeader('content-type', query.get('response-content-type') ?? object.contentType);
  const disposition = query.get('response-content-disposition') ?? object.contentDisposition;
  if (disposition) res.setHeader('content-disposition', disposition);
  const cacheControl = query.get('response-cache-control');
  if (cacheControl) res.setHeader('cache-control', cacheControl);
  const range = parseRange(header(ctx.req.headers, 'range'), object.body.length);
  if (range) {
    res.statusCode = 206;
    res.setHeader('content-range', `bytes ${range.start}-${range.end}/${object.body.length}`);
    res.setHeader('content-length', range.end - range.start + 1);
    res.end(withBody ? object.body.subarray(range.start, range.end + 1) : undefined);
    return;
  }
  res.setHeader('content-length', object.body.length);
  res.end(withBody ? object.body : undefined);
}

function writeObjectHeaders(ctx: RequestContext, object: StoredObject): undefined {
  const { res } = ctx;
  res.setHeader('etag', `"${object.etag}"`);
  res.setHeader('last-modified', object.lastModified.toUTCString());
  res.setHeader('accept-ranges', 'bytes');
  for (const [name, value] of Object.entries(object.metadata)) res.setHeader(`x-amz-meta-${name}`, value);
  if (object.checksumSha256 && header(ctx.req.headers, 'x-amz-checksum-mode') === 'ENABLED') {
    res.setHeader('x-amz-checksum-sha256', object.checksumSha256);
  }
}

function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, from, to] = match;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end)
    throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable');
  return { start, end };
}

function createMultipartUpload(ctx: RequestContext): undefined {
  ctx.operation('CreateMultipartUpload');
  const headers = ctx.req.headers;
  const contentType = header(headers, 'content-type') ?? 'binary/octet-stream';
  const upload = ctx.store.createUpload(ctx.bucket, ctx.key, contentType, metadataOf(headers));
  send(ctx, 'InitiateMultipartUploadResult', { Bucket: ctx.bucket, Key: ctx.key, UploadId: upload.uploadId });
}

function uploadPart(ctx: RequestContext, uploadId: string): undefined {
  ctx.operation('UploadPart');
  const partNumber = Number(ctx.url.searchParams.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new S3Error(
      'InvalidArgument',
      400,
      'Part number must be an integer between 1 and 10000, inclusive',
    );
  }
  const upload = ctx.store.upload(ctx.bucket, ctx.key, uploadId);
  const checksum = verifyChecksums(ctx.req.headers, ctx.body);
  const etag = md5Hex(ctx.body);
  upload.parts.set(partNumber, { body: ctx.body, etag, lastModified: new Date() });
  ctx.res.setHeader('etag', `"${etag}"`);
  if (checksum) ctx.res.setHeader('x-amz-checksum-sha256', checksum);
  ctx.res.end();
}

function listParts(ctx: RequestContext, uploadId: string): undefined {
  ctx.operation('ListParts');
  const upload = ctx.store.upload(ctx.bucket, ctx.key, uploadId);
  const query = ctx.url.searchParams;
  const marker = Number(query.get('part-number-marker') ?? 0);
  const maxParts = Math.min(Number(query.get('max-parts') ?? 1000), 1000);
  const numbers = [...upload.parts.keys()].filter((n) => n > marker).sort((a, b) => a - b);
  const page = numbers.slice(0, maxParts);
  send(ctx, 'ListPartsResult', {
    Bucket: ctx.bucket,
    Key: ctx.key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: page.at(-1) ?? marker,
    MaxParts: maxParts,
    IsTruncated: numbers.length > page.length,
    StorageClass: 'STANDARD',
    Part: page.map((n) => {
      const part = upload.parts.get(n)!;
      return {
        PartNumber: n,
        LastModified: part.lastModified.toISOString(),
        ETag: `"${part.etag}"`,
        Size: part.body.length,
      };
    }),
  });
}

function completeMultipartUpload(ctx: RequestContext, uploadId: string): undefined {
  ctx.operation('CompleteMultipartUpload');
  const upload = ctx.store.upload(ctx.bucket, ctx.key, uploadId);
  const headers = ctx.req.headers;
  ctx.store.checkWriteConditions(
    ctx.bucket,
    ctx.key,
    header(headers, 'if-none-match'),
    header(headers, 'if-match'),
  );
  const requested = elements(ctx.body.toString('utf8'), 'Part').map((part) => ({
    partNumber: Number(elementText(part, 'PartNumber')),
    etag: elementText(part, 'ETag') ?? '',
  }));
  const stored = ctx.store.complete(upload, requested);
  send(ctx, 'CompleteMultipartUploadResult', {
    Location: `/${ctx.bucket}/${ctx.key}`,
    Bucket: ctx.bucket,
    Key: ctx.key,
    ETag: `"${stored.etag}"`,
  });
  ctx.notify({
    eventName: 's3:ObjectCreated:CompleteMultipartUpload',
    bucket: ctx.bucket,
    key: ctx.key,
    size: stored.body.length,
    eTag: stored.etag,
  });
}

/** Checks `Content-MD5` and `x-amz-checksum-sha256` against the body (S3's BadDigest). */
function verifyChecksums(headers: IncomingHttpHeaders, body: Buffer): string | undefined {
  const md5 = header(headers, 'content-md5');
  if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) {
    throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
  }
  const sha256 = header(headers, 'x-amz-checksum-sha256');
  if (sha256 === undefined) return undefined;
  if (createHash('sha256').update(body).digest('base64') !== sha256) {
    throw new S3Error('BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
  }
  return sha256;
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value;
  }
  return metadata;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
