import type { IncomingMessage } from 'node:http';
import { S3Error } from './s3Store.js';

/** Reads the whole request body; a body shorter than its Content-Length is S3's IncompleteBody. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) !== length) {
        reject(
          new S3Error(
            'IncompleteBody',
            400,
            'You did not provide the number of bytes specified by the Content-Length HTTP header',
          ),
        );
        return;
      }
      resolve(Buffer.concat(chunks, length));
    });
    req.on('aborted', () =>
      reject(
        new S3Error(
          'IncompleteBody',
          400,
          'You did not provide the number of bytes specified by the Content-Length HTTP header',
        ),
      ),
    );
    req.on('error', reject);
  });
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0…\r\n[trailers]\r\n`).
 * The SDK sends it for streaming uploads; chunk signatures and trailing checksums are not checked.
 */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error('IncompleteBody', 400, 'Malformed aws-chunked body');
    if (size === 0) break;
    const start = lineEnd + 2;
    parts.push(raw.subarray(start, start + size));
    offset = start + size + 2;
  }
  return Buffer.concat(parts);
}
