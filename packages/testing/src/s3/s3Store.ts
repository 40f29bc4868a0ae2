import { createHash, randomUUID } from 'node:crypto';

// The test server's state: buckets of objects and in-progress multipart uploads, kept in memory.

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
  contentDisposition?: string;
  checksumSha256?: string;
}

export interface StoredPart {
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, StoredPart>;
}

/** A failure S3 reports with its error code, HTTP status and message. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const md5Hex = (body: Buffer) => createHash('md5').update(body).digest('hex');

export class S3Store {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  readonly uploads = new Map<string, MultipartUpload>();

  constructor(readonly minPartSize: number) {}

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  bucket(name: string): Map<string, StoredObject> {
    const bucket = this.buckets.get(name);
    if (!bucket) {
      throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: name });
    }
    return bucket;
  }

  object(bucketName: string, key: string): StoredObject {
    const found = this.bucket(bucketName).get(key);
    if (!found) throw new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
    return found;
  }

  /** Applies S3's conditional-write headers before a write to `key`. */
  checkWriteConditions(bucketName: string, key: string, ifNoneMatch?: string, ifMatch?: string): void {
    const existing = this.bucket(bucketName).get(key);
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && existing) {
      throw new S3Error(
        'PreconditionFailed',
        412,
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: 'If-None-Match',
        },
      );
    }
    if (ifMatch !== undefined) {
      if (!existing) throw new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
      if (stripQuotes(ifMatch) !== existing.etag) {
        throw new S3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
          {
            Condition: 'If-Match',
          },
        );
      }
    }
  }

  put(bucketName: string, key: string, object: Omit<StoredObject, 'etag' | 'lastModified'>): StoredObject {
    const stored: StoredObject = { ...object, etag: md5Hex(object.body), lastModified: new Date() };
    this.bucket(bucketName).set(key, stored);
    return stored;
  }

  createUpload(bucket: string, key: string, contentType: string, metadata: Record<string, string>) {
    this.bucket(bucket);
    const upload: MultipartUpload = {
      uploadId: randomUUID().replaceAll('-', ''),
      bucket,
      key,
      initiated: new Date(),
      contentType,
      metadata,
      parts: new Map(),
    };
    this.uploads.set(upload.uploadId, upload);
    return upload;
  }

  upload(bucket: string, key: string, uploadId: string): MultipartUpload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new S3Error(
        'NoSuchUpload',
        404,
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        { UploadId: uploadId },
      );
    }
    return upload;
  }

  /** Assembles the listed parts in order, checking them as S3 does, and removes the upload. */
  complete(upload: MultipartUpload, requested: { partNumber: number; etag: string }[]): StoredObject {
    if (requested.length === 0) {
      throw new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate.');
    }
    const bodies: Buffer[] = [];
    const digests: Buffer[] = [];
    let previous = 0;
    requested.forEach(({ partNumber, etag }, index) => {
      if (partNumber <= previous) {
        throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order.');
      }
      previous = partNumber;
      const part = upload.parts.get(partNumber);
      if (!part || part.etag !== stripQuotes(etag)) {
        throw new S3Error('InvalidPart', 400, 'One or more of the specified parts could not be found.', {
          PartNumber: String(partNumber),
        });
      }
      if (index < requested.length - 1 && part.body.length < this.minPartSize) {
        throw new S3Error(
          'EntityTooSmall',
          400,
          'Your proposed upload is smaller than the minimum allowed size',
        );
      }
      bodies.push(part.body);
      digests.push(Buffer.from(part.etag, 'hex'));
    });
    const etag = `${md5Hex(Buffer.concat(digests))}-${requested.length}`;
    const stored: StoredObject = {
      body: Buffer.concat(bodies),
      contentType: upload.contentType,
      metadata: upload.metadata,
      etag,
      lastModified: new Date(),
    };
    this.bucket(upload.bucket).set(upload.key, stored);
    this.uploads.delete(upload.uploadId);
    return stored;
  }
}

export function stripQuotes(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}
