import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';

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
  presigner: S3RequestPresigner;
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The path before the key (`/<bucket>/` path-style, `/` virtual-hosted). */
  basePath: string;
  signingRegion: string;
  signingService: string;
}

const PROBE_KEY = 'incoming/probe';
/** Keys the template can take verbatim (the service's own keys: `incoming/<uuid>`). */
const PLAIN_KEY = /^[A-Za-z0-9/_.-]+$/;

/**
 * Presigned PUTs without the SDK's per-call work: `getSignedUrl` builds a presigner, clones and
 * resolves the client's whole middleware stack and resolves the endpoint on every call (about
 * 1.5 ms of CPU each, most of POST /files/uploads). The endpoint and credential scope are resolved
 * once, by signing one URL the SDK's way; each PUT is then one SigV4 presign of a request built
 * here. The unit test proves the URLs equal `getSignedUrl`'s; keys outside PLAIN_KEY take the SDK.
 */
export class PutPresigner {
  private template: Promise<Template> | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async presign(put: PutToSign, options: PresignOptions): Promise<string> {
    if (!PLAIN_KEY.test(put.key)) return this.sdkPresign(put, options);
    this.template ??= this.learn().catch((error: unknown) => {
      this.template = undefined; // an unreachable credential source is retried next time
      throw error;
    });
    const t = await this.template;
    const signed = await t.presigner.presign(
      {
        method: 'PUT',
        protocol: t.protocol,
        hostname: t.hostname,
        ...(t.port === undefined ? {} : { port: t.port }),
        path: `${t.basePath}${put.key}`,
        query: { 'x-id': 'PutObject' },
        headers: {
          'content-length': String(put.size),
          'content-type': put.contentType,
          'if-none-match': '*',
          'x-amz-checksum-sha256': put.checksum,
        },
      },
      {
        ...signOptions(),
        expiresIn: options.expiresIn,
        signingRegion: t.signingRegion,
        signingService: t.signingService,
        ...(options.signingDate ? { signingDate: options.signingDate } : {}),
      },
    );
    const port = signed.port === undefined ? '' : `:${signed.port}`;
    return `${signed.protocol}//${signed.hostname}${port}${signed.path}?${queryString(signed.query ?? {})}`;
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
    const region = signingRegion;
    return {
      presigner: new S3RequestPresigner({ ...this.client.config, region: async () => region }),
      protocol: probe.protocol,
      hostname: probe.hostname,
      port: probe.port === '' ? undefined : Number(probe.port),
      basePath: probe.pathname.slice(0, -PROBE_KEY.length),
      signingRegion,
      signingService,
    };
  }
}

// As the SDK formats a query: keys sorted, RFC 3986 escaping.
const escapeRfc3986 = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function queryString(query: Record<string, string | string[] | null>): string {
  return Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      if (value === null || value === undefined) return [escapeRfc3986(key)];
      return (Array.isArray(value) ? value : [value]).map((v) => `${escapeRfc3986(key)}=${escapeRfc3986(v)}`);
    })
    .join('&');
}
