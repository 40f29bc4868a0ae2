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

  it('takes the SDK path for a key it cannot place verbatim', async () => {
    const presigner = new PutPresigner(client('http://127.0.0.1:9000', true), 'bucket-one');
    const options = { expiresIn: 60, signingDate: new Date('2026-01-01T00:00:00Z') };
    const odd = { ...put, key: 'incoming/a name with spaces+ü' };
    expect(await presigner.presign(odd, options)).toEqual(await presigner.sdkPresign(odd, options));
  });
});
