import type { Readable } from 'node:stream';
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
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PutPresigner } from './putPresigner.js';

export interface ObjectStoreConfig {
  readonly S3_ENDPOINT: string;
  readonly S3_PUBLIC_ENDPOINT: string;
  readonly S3_REGION: string;
  readonly S3_BUCKET: string;
  readonly S3_ACCESS_KEY_ID?: string | undefined;
  readonly S3_SECRET_ACCESS_KEY?: string | undefined;
  readonly S3_FORCE_PATH_STYLE: boolean;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
}

const clientFor = (config: ObjectStoreConfig, endpoint: string) =>
  new S3Client({
    ...(endpoint === '' ? {} : { endpoint }),
    region: config.S3_REGION,
    ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? {
          credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
        }
      : {}),
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    // Checksums only where S3 requires them: the service verifies stored bytes itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** True when S3 answered that the object, or the multipart upload, is not there. */
export const isNotFound = (error: unknown): boolean =>
  error instanceof S3ServiceException &&
  (error.$metadata.httpStatusCode === 404 || ['NoSuchKey', 'NotFound', 'NoSuchUpload'].includes(error.name));

/** The files service's view of its bucket: presigned requests out, verification reads, moves, deletes. */
export class ObjectStore {
  readonly bucket: string;
  private readonly s3: S3Client;
  /** Signs URLs for the host clients use (S3_PUBLIC_ENDPOINT), which the signature covers. */
  private readonly presigner: S3Client;
  private readonly puts: PutPresigner;

  constructor(config: ObjectStoreConfig) {
    this.bucket = config.S3_BUCKET;
    this.s3 = clientFor(config, config.S3_ENDPOINT);
    this.presigner =
      config.S3_PUBLIC_ENDPOINT === '' ? this.s3 : clientFor(config, config.S3_PUBLIC_ENDPOINT);
    this.puts = new PutPresigner(this.presigner, this.bucket);
  }

  /**
   * A presigned PUT signing Content-Length, Content-Type, x-amz-checksum-sha256 (kept a header: the
   * SDK would hoist it into the query string, where S3 ignores it) and If-None-Match: *.
   */
  async presignPut(
    key: string,
    file: { size: number; contentType: string; sha256Hex: string },
    expiresIn: number,
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const checksum = Buffer.from(file.sha256Hex, 'hex').toString('base64');
    const url = await this.puts.presign(
      { key, size: file.size, contentType: file.contentType, checksum },
      { expiresIn },
    );
    return {
      url,
      headers: { 'content-type': file.contentType, 'x-amz-checksum-sha256': checksum, 'if-none-match': '*' },
    };
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    const out = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
    );
    if (!out.UploadId) throw new Error('S3 returned no UploadId');
    return out.UploadId;
  }

  presignPart(key: string, uploadId: string, partNumber: number, expiresIn: number): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
    });
    return getSignedUrl(this.presigner, command, { expiresIn });
  }

  /** The parts S3 holds; undefined when the multipart upload does not exist (completed or aborted). */
  async listParts(key: string, uploadId: string): Promise<PartInfo[] | undefined> {
    const parts: PartInfo[] = [];
    let marker: string | undefined;
    try {
      do {
        const out = await this.s3.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
        );
        for (const p of out.Parts ?? []) {
          parts.push({ partNumber: p.PartNumber ?? 0, etag: p.ETag ?? '', size: p.Size ?? 0 });
        }
        marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return parts;
  }

  async completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]) {
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  /** Idempotent: an upload already gone is fine. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async head(key: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The object's bytes as one stream; `ifMatch` fails the read (412) if the object changed since HEAD. */
  async read(key: string, ifMatch?: string): Promise<Readable> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: ifMatch }));
    return out.Body as Readable;
  }

  /** Server-side copy with the verified type; idempotent (same source, same target). */
  async copy(from: string, to: string, contentType: string, ifMatch?: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: to,
        CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        CopySourceIfMatch: ifMatch,
        ContentType: contentType,
        MetadataDirective: 'REPLACE',
      }),
    );
  }

  /** Idempotent (S3 answers 204 for a key that is not there). */
  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of out.Contents ?? []) {
        if (o.Key) yield { key: o.Key, lastModified: o.LastModified ?? new Date(0) };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async listMultipartUploads(prefix: string): Promise<{ key: string; uploadId: string; initiated: Date }[]> {
    const out = await this.s3.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix }));
    return (out.Uploads ?? []).map((u) => ({
      key: u.Key ?? '',
      uploadId: u.UploadId ?? '',
      initiated: u.Initiated ?? new Date(0),
    }));
  }

  presignGet(
    key: string,
    options: { fileName: string; contentType: string },
    expiresIn: number,
  ): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: contentDisposition(options.fileName),
    });
    return getSignedUrl(this.presigner, command, { expiresIn });
  }

  /** Readiness: the bucket answers (within 2 s, so an unreachable store cannot stall the probe). */
  async ping(): Promise<void> {
    await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }), {
      abortSignal: AbortSignal.timeout(2_000),
    });
  }

  close(): void {
    this.s3.destroy();
    if (this.presigner !== this.s3) this.presigner.destroy();
  }
}

/** `attachment; filename*=UTF-8''…` (RFC 6266/5987): the name as metadata, never as a key. */
export function contentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}
