import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface PutToSign {
  key: string;
  size: number;
  contentType: string;
  /** base64 of the SHA-256 the client declared. */
  checksum: string;
}

export interface PresignOptions {
  expiresIn: number;
  /** For tests that compare URLs; the signer's clock otherwise. */
  signingDate?: Date;
}

// Signed (not hoisted): S3 enforces only what it receives as headers.
const signOptions = () => ({
  unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  signableHeaders: new Set(['content-type', 'content-length']),
});

/** Where PUTs go and under which credential scope, learned from one URL the SDK signed. */
interface Template {
  protocol: string;
  /** The Host header as signed (`hostname[:port]`). */
  host: string;
  /** The path before the key (`/<bucket>/` path-style, `/` virtual-hosted). */
  basePath: string;
  signingRegion: string;
  signingService: string;
}

const PROBE_KEY = 'incoming/probe';
/** Keys the template can take verbatim (the service's own keys: `incoming/<uuid>`). */
const PLAIN_KEY = /^[A-Za-z0-9/_.-]+$/;
/** Content types whose header value is its own canonical form (no spaces, no parameters). */
const PLAIN_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;
const SIGNED_HEADERS = 'content-length;content-type;host;if-none-match;x-amz-checksum-sha256';

/**
 * Presigned PUTs without the SDK's per-call work: `getSignedUrl` builds a presigner, clones and
 * resolves the client's whole middleware stack and resolves the endpoint on every call (about
 * 1.5 ms of CPU each); even its bare SigV4 presigner cost ~40 µs a URL (three HMAC/hash objects,
 * header and query canonicalisation: 15% of the files service's CPU on POST /files/uploads). The
 * endpoint and credential scope are learned once, by signing one URL the SDK's way; each PUT is then
 * signed here, AWS Signature V4 for this one request shape (fixed signed headers, a plain key and
 * content type), with the signing key derived once a day (~8 µs a URL). The unit tests prove the
 * URLs equal `getSignedUrl`'s (path-style, virtual-hosted, AWS, session credentials); a key or
 * type outside that shape takes the SDK.
 */
export class PutPresigner {
  private template: Promise<Template> | undefined;
  private signingKey: { scope: string; secret: string; key: KeyObject } | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async presign(put: PutToSign, options: PresignOptions): Promise<string> {
    if (!PLAIN_KEY.test(put.key) || !PLAIN_TYPE.test(put.contentType)) return this.sdkPresign(put, options);
    this.template ??= this.learn().catch((error: unknown) => {
      this.template = undefined; // an unreachable credential source is retried next time
      throw error;
    });
    const t = await this.template;
    // The client's provider: memoised by the SDK, refreshed before expiry (rotating credentials).
    const credentials = await this.client.config.credentials();
    const amzDate = (options.signingDate ?? new Date()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${t.signingRegion}/${t.signingService}/aws4_request`;
    const query: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
      ['X-Amz-Date', amzDate],
      ['X-Amz-Expires', String(options.expiresIn)],
      ...(credentials.sessionToken
        ? [['X-Amz-Security-Token', credentials.sessionToken] as [string, string]]
        : []),
      ['X-Amz-SignedHeaders', SIGNED_HEADERS],
      ['x-id', 'PutObject'],
    ];
    const path = `${t.basePath}${put.key}`;
    const canonicalQuery = query.map(([k, v]) => `${k}=${escapeRfc3986(v)}`).join('&');
    const canonicalRequest = [
      'PUT',
      path,
      canonicalQuery,
      `content-length:${put.size}`,
      `content-type:${put.contentType}`,
      `host:${t.host}`,
      'if-none-match:*',
      `x-amz-checksum-sha256:${put.checksum}`,
      '',
      SIGNED_HEADERS,
      'UNSIGNED-PAYLOAD',
    ].join('\n');
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      amzDate,
      scope,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n');
    const signature = createHmac('sha256', this.keyFor(scope, credentials.secretAccessKey))
      .update(stringToSign)
      .digest('hex');
    // In the SDK's order (sorted keys), so the URL is byte for byte the one it would sign.
    const signed = canonicalQuery.replace(
      '&X-Amz-SignedHeaders=',
      `&X-Amz-Signature=${signature}&X-Amz-SignedHeaders=`,
    );
    return `${t.protocol}//${t.host}${path}?${signed}`;
  }

  /** HMAC chain "AWS4"+secret → day → region → service → aws4_request, kept for the scope and secret. */
  private keyFor(scope: string, secret: string): KeyObject {
    if (this.signingKey?.scope === scope && this.signingKey.secret === secret) return this.signingKey.key;
    const key = scope
      .split('/')
      .reduce<Buffer>(
        (k, part) => createHmac('sha256', k).update(part).digest(),
        Buffer.from(`AWS4${secret}`),
      );
    this.signingKey = { scope, secret, key: createSecretKey(key) };
    return this.signingKey.key;
  }

  /** The SDK's own way (every key it accepts; the reference the fast path is tested against). */
  sdkPresign(put: PutToSign, options: PresignOptions): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: put.key,
      ContentLength: put.size,
      ContentType: put.contentType,
      ChecksumSHA256: put.checksum,
      IfNoneMatch: '*',
    });
    return getSignedUrl(this.client, command, {
      ...signOptions(),
      expiresIn: options.expiresIn,
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    });
  }

  private async learn(): Promise<Template> {
    const probe = new URL(
      await this.sdkPresign(
        { key: PROBE_KEY, size: 1, contentType: 'application/octet-stream', checksum: '' },
        {
          expiresIn: 60,
        },
      ),
    );
    if (!probe.pathname.endsWith(PROBE_KEY)) throw new Error(`unexpected presigned path ${probe.pathname}`);
    // Credential: <access key>/<date>/<region>/<service>/aws4_request
    const [, , signingRegion, signingService] = (probe.searchParams.get('X-Amz-Credential') ?? '').split('/');
    if (!signingRegion || !signingService) throw new Error('presigned URL without a credential scope');
    return {
      protocol: probe.protocol,
      host: probe.host,
      basePath: probe.pathname.slice(0, -PROBE_KEY.length),
      signingRegion,
      signingService,
    };
  }
}

// A query value as the SDK escapes it (RFC 3986); `presign` lists the keys in the SDK's sorted order.
const escapeRfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
