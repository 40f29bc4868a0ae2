import type { RequestContext } from './s3Server.js';
import { S3Error } from './s3Store.js';
import { elements, elementText, type XmlNode, xmlDocument } from './s3Xml.js';

// Bucket-level operations: CreateBucket, HeadBucket, ListObjectsV2, ListMultipartUploads, DeleteObjects.

export function handleBucket(ctx: RequestContext): undefined {
  const { req, url } = ctx;
  const query = url.searchParams;
  switch (req.method) {
    case 'PUT':
      ctx.operation('CreateBucket');
      ctx.store.createBucket(ctx.bucket);
      ctx.res.setHeader('location', `/${ctx.bucket}`);
      ctx.res.end();
      return;
    case 'HEAD':
      ctx.operation('HeadBucket');
      ctx.store.bucket(ctx.bucket);
      ctx.res.end();
      return;
    case 'GET':
      if (query.has('uploads')) return listMultipartUploads(ctx);
      if (query.get('list-type') === '2') return listObjectsV2(ctx);
      throw new S3Error('NotImplemented', 501, 'Only ListObjectsV2 (list-type=2) is implemented');
    case 'POST':
      if (query.has('delete')) return deleteObjects(ctx);
      break;
  }
  throw new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}

function listObjectsV2(ctx: RequestContext): undefined {
  ctx.operation('ListObjectsV2');
  const query = ctx.url.searchParams;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
  const token = query.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
  const encode = query.get('encoding-type') === 'url' ? encodeKey : (k: string) => k;
  const bucket = ctx.store.bucket(ctx.bucket);
  const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const contents: XmlNode[] = [];
  const prefixes = new Set<string>();
  let last = '';
  let truncated = false;
  for (const key of keys) {
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      if (!prefixes.has(common)) prefixes.add(common);
      last = key;
      continue;
    }
    const object = bucket.get(key)!;
    contents.push({
      Key: encode(key),
      LastModified: object.lastModified.toISOString(),
      ETag: `"${object.etag}"`,
      Size: object.body.length,
      StorageClass: 'STANDARD',
    });
    last = key;
  }
  send(ctx, 'ListBucketResult', {
    Name: ctx.bucket,
    Prefix: encode(prefix),
    Delimiter: delimiter ? encode(delimiter) : undefined,
    MaxKeys: maxKeys,
    KeyCount: contents.length + prefixes.size,
    IsTruncated: truncated,
    EncodingType: query.get('encoding-type') ?? undefined,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: truncated ? Buffer.from(last).toString('base64url') : undefined,
    StartAfter: query.get('start-after') ?? undefined,
    Contents: contents,
    CommonPrefixes: [...prefixes].map((p) => ({ Prefix: encode(p) })),
  });
}

function listMultipartUploads(ctx: RequestContext): undefined {
  ctx.operation('ListMultipartUploads');
  ctx.store.bucket(ctx.bucket);
  const query = ctx.url.searchParams;
  const prefix = query.get('prefix') ?? '';
  const maxUploads = Math.min(Number(query.get('max-uploads') ?? 1000), 1000);
  const uploads = [...ctx.store.uploads.values()]
    .filter((u) => u.bucket === ctx.bucket && u.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime()));
  const page = uploads.slice(0, maxUploads);
  const lastUpload = page.at(-1);
  const truncated = uploads.length > page.length;
  send(ctx, 'ListMultipartUploadsResult', {
    Bucket: ctx.bucket,
    KeyMarker: query.get('key-marker') ?? '',
    UploadIdMarker: query.get('upload-id-marker') ?? '',
    NextKeyMarker: truncated ? lastUpload?.key : undefined,
    NextUploadIdMarker: truncated ? lastUpload?.uploadId : undefined,
    Prefix: prefix,
    MaxUploads: maxUploads,
    IsTruncated: truncated,
    Upload: page.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiated: u.initiated.toISOString(),
      StorageClass: 'STANDARD',
    })),
  });
}

function deleteObjects(ctx: RequestContext): undefined {
  ctx.operation('DeleteObjects');
  const bucket = ctx.store.bucket(ctx.bucket);
  const xml = ctx.body.toString('utf8');
  const quiet = elementText(xml, 'Quiet') === 'true';
  const deleted: XmlNode[] = [];
  for (const object of elements(xml, 'Object')) {
    const key = elementText(object, 'Key');
    if (key === undefined) continue;
    bucket.delete(key);
    if (!quiet) deleted.push({ Key: key });
  }
  send(ctx, 'DeleteResult', { Deleted: deleted });
}

function encodeKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%2F', '/');
}

export function send(ctx: RequestContext, root: string, body: XmlNode): undefined {
  ctx.res.setHeader('content-type', 'application/xml');
  ctx.res.end(xmlDocument(root, body));
}
