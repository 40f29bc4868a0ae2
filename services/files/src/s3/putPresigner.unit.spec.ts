import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { PutPresigner } from './putPresigner.js';

const client = (endpoint: string, forcePathStyle: boolean) =>
  new S3Client({
    ...(endpoint === '' ? {} : { endpoint }),
    region: 'eu-west-1',
    forcePathStyle,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

const put = {
  key: 'incoming/0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b',
  size: 10_240,
  contentType: 'application/pdf',
  checksum: Buffer.alloc(32, 7).toString('base64'),
};

describe('PutPresigner', () => {
  it.each([
    ['a path-style endpoint with a port', 'http://127.0.0.1:9000', true],
    ['AWS (no endpoint, virtual-hosted)', '', false],
    ['a virtual-hosted custom endpoint', 'https://s3.example.test', false],
  ])('signs exactly the URL getSignedUrl signs: %s', async (_, endpoint, pathStyle) => {
    const presigner = new PutPresigner(client(endpoint, pathStyle), 'bucket-one');
    const options = { expiresIn: 3600, signingDate: new Date('2026-01-01T00:00:00Z') };
    const fast = await presigner.presign(put, options);
    expect(fast).toEqual(await presigner.sdkPresign(put, options));
    const signed = new URL(fast).searchParams.get('X-Amz-SignedHeaders');
    expect(signed).toBe('content-length;content-type;host;if-none-match;x-amz-checksum-sha256');
  });

  it('signs with session credentials (X-Amz-Security-Token) exactly as getSignedUrl does', async () => {
    const session = new S3Client({
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'session-secret',
        sessionToken: 'token/with+chars=',
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const presigner = new PutPresigner(session, 'bucket-two');
    const options = { expiresIn: 900, signingDate: new Date('2026-03-04T05:06:07Z') };
    const fast = await presigner.presign(put, options);
    expect(new URL(fast).searchParams.get('X-Amz-Security-Token')).toBe('token/with+chars=');
    expect(fast).toEqual(await presigner.sdkPresign(put, options));
  });

  it("keeps its signing key for the day and derives the next day's", async () => {
    const presigner = new PutPresigner(client('http://127.0.0.1:9000', true), 'bucket-one');
    for (const day of ['2026-01-01T23:59:59Z', '2026-01-02T00:00:00Z', '2026-01-01T12:00:00Z']) {
      const options = { expiresIn: 60, signingDate: new Date(day) };
      expect(await presigner.presign(put, options)).toEqual(await presigner.sdkPresign(put, options));
    }
  });

  it('takes the SDK path for a content type with parameters', async () => {
    const presigner = new PutPresigner(client('http://127.0.0.1:9000', true), 'bucket-one');
    const options = { expiresIn: 60, signingDate: new Date('2026-01-01T00:00:00Z') };
    const typed = { ...put, contentType: 'text/plain; charset=utf-8' };
    expect(await presigner.presign(typed, options)).toEqual(await presigner.sdkPresign(typed, options));
  });

  it('takes the SDK path for a key it cannot place verbatim', async () => {
    const presigner = new PutPresigner(client('http://127.0.0.1:9000', true), 'bucket-one');
    const options = { expiresIn: 60, signingDate: new Date('2026-01-01T00:00:00Z') };
    const odd = { ...put, key: 'incoming/a name with spaces+ü' };
    expect(await presigner.presign(odd, options)).toEqual(await presigner.sdkPresign(odd, options));
  });
});
