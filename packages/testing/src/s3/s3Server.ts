import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeAwsChunked, readBody } from './s3Body.js';
import { handleBucket } from './s3BucketOps.js';
import { handleObject } from './s3ObjectOps.js';
import { S3Error, S3Store, type StoredObject } from './s3Store.js';
import { errorDocument } from './s3Xml.js';
import { type Credentials, verifySigV4 } from './sigv4.js';

export type S3Operation =
  | 'CreateBucket'
  | 'HeadBucket'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'ListParts'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload';

/** What MinIO/S3 would publish as a bucket notification. */
export interface S3ObjectCreated {
  eventName: 's3:ObjectCreated:Put' | 's3:ObjectCreated:Copy' | 's3:ObjectCreated:CompleteMultipartUpload';
  bucket: string;
  key: string;
  size: number;
  eTag: string;
}

export interface S3RequestRecord {
  operation: S3Operation;
  bucket: string;
  key: string;
  status: number;
}

export interface S3TestServerOptions {
  /** Buckets that exist from the start. */
  buckets?: string[];
  credentials?: Credentials;
  region?: string;
  /** S3's 5 MiB minimum for every part but the last; lower it to keep multipart tests small. */
  minPartSize?: number;
  /** Check SigV4 signatures (default true). */
  verifySignatures?: boolean;
  /** Port to listen on (default: any free port), on 127.0.0.1. */
  port?: number;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  bucket: string;
  key: string;
  body: Buffer;
  store: S3Store;
  /** Names the operation (for the request log and fault injection) before it runs. */
  operation(name: S3Operation): void;
  notify(event: S3ObjectCreated): void;
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: Credentials;
  readonly store: S3Store;
  /** Every request served, in order. */
  readonly requests: S3RequestRecord[];
  /** Makes the next `times` requests of `operation` fail with a 500 InternalError (or the given status). */
  failNext(operation: S3Operation, times?: number, status?: number): void;
  /** Bucket notifications, as MinIO would publish to NATS. Returns an unsubscribe function. */
  onObjectCreated(listener: (event: S3ObjectCreated) => void): () => void;
  /** Writes an object directly, bypassing HTTP (a store that enforces nothing, or a misbehaving client). */
  putObject(bucket: string, key: string, body: Buffer, contentType?: string): StoredObject;
  keys(bucket: string, prefix?: string): string[];
  close(): Promise<void>;
}

/**
 * A real S3 wire-protocol server (path-style, SigV4 header and presigned auth, S3 XML and errors)
 * for integration tests: objects, conditional writes, SHA-256 checksums, copy, ListObjectsV2 and
 * the whole multipart API including ListParts, Abort and ListMultipartUploads, which s3rver lacks.
 * Chunk signatures of `aws-chunked` bodies are not checked; the request signature is.
 */
export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const credentials = options.credentials ?? {
    accessKeyId: 'test-access-key',
    secretAccessKey: 'test-secret-key',
  };
  const region = options.region ?? 'us-east-1';
  const store = new S3Store(options.minPartSize ?? 5 * 1024 * 1024);
  for (const bucket of options.buckets ?? []) store.createBucket(bucket);
  const requests: S3RequestRecord[] = [];
  const faults = new Map<S3Operation, { times: number; status: number }>();
  const listeners = new Set<(event: S3ObjectCreated) => void>();
  const verify = options.verifySignatures ?? true;

  const server: Server = createServer((req, res) => {
    const record: S3RequestRecord = { operation: 'GetObject', bucket: '', key: '', status: 0 };
    handle(req, res, record).catch((error: unknown) => sendError(res, error));
    res.on('finish', () => {
      record.status = res.statusCode;
      requests.push(record);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, record: S3RequestRecord): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [, bucketSegment = '', ...keySegments] = url.pathname.split('/');
    const bucket = decodeURIComponent(bucketSegment);
    const key = keySegments.map(decodeURIComponent).join('/');
    Object.assign(record, { bucket, key });
    res.setHeader('x-amz-request-id', randomUUID());
    if (verify) {
      const verdict = verifySigV4(
        req.method ?? 'GET',
        url.pathname,
        url.searchParams,
        req.headers,
        [credentials],
        new Date(),
      );
      if (!verdict.ok) {
        req.resume();
        throw new S3Error(verdict.code, 403, verdict.message);
      }
    }
    const body = await readRequestBody(req);
    const context: RequestContext = {
      req,
      res,
      url,
      bucket,
      key,
      body,
      store,
      operation(name) {
        record.operation = name;
        const fault = faults.get(name);
        if (fault && fault.times > 0) {
          fault.times -= 1;
          throw new S3Error(
            'InternalError',
            fault.status,
            'We encountered an internal error. Please try again.',
          );
        }
      },
      notify: (event) => {
        for (const listener of listeners) listener(event);
      },
    };
    if (bucket === '')
      throw new S3Error('NotImplemented', 501, 'ListBuckets is not implemented by the test server');
    if (key === '') return handleBucket(context);
    return handleObject(context);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    region,
    credentials,
    store,
    requests,
    failNext: (operation, times = 1, status = 500) => faults.set(operation, { times, status }),
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    putObject: (bucket, key, body, contentType = 'application/octet-stream') =>
      store.put(bucket, key, { body, contentType, metadata: {} }),
    keys: (bucket, prefix = '') =>
      [...store.bucket(bucket).keys()].filter((k) => k.startsWith(prefix)).sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBody(req);
  const declared = req.headers['x-amz-content-sha256'];
  const payloadHash = typeof declared === 'string' ? declared : undefined;
  const chunked =
    payloadHash?.startsWith('STREAMING-') ||
    String(req.headers['content-encoding'] ?? '').includes('aws-chunked');
  const body = chunked ? decodeAwsChunked(raw) : raw;
  if (payloadHash && /^[0-9a-f]{64}$/.test(payloadHash)) {
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== payloadHash) {
      throw new S3Error(
        'XAmzContentSHA256Mismatch',
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
  }
  return body;
}

function sendError(res: ServerResponse, error: unknown): void {
  const s3 =
    error instanceof S3Error
      ? error
      : new S3Error('InternalError', 500, error instanceof Error ? error.message : String(error));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = s3.status;
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/xml');
  res.end(
    errorDocument(s3.code, s3.message, { ...s3.extra, RequestId: String(res.getHeader('x-amz-request-id')) }),
  );
}
