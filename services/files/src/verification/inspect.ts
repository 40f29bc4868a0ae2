import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { fileTypeFromBuffer } from 'file-type';
import { inlineSha256, type Sha256 } from './sha256.js';

/** How many leading bytes `file-type` sniffs (enough for every format it knows, zip-based ones included). */
const SNIFF_BYTES = 64 * 1024;

export interface Inspection {
  bytes: number;
  sha256: string;
  sniffed: string | undefined;
  /** Valid UTF-8 without NUL characters (only computed when asked). */
  isText: boolean;
}

/**
 * Reads the stored object once: SHA-256 over every byte, the leading bytes kept for sniffing,
 * and (for declared text formats) a UTF-8/NUL check, all on the same pass. The hash may run on
 * another thread (`HashThread`), which takes each chunk's memory: the chunk is done with here first.
 */
export async function inspect(
  stream: Readable,
  options: { checkText: boolean; hash?: Sha256 },
): Promise<Inspection> {
  const hash = options.hash ?? inlineSha256();
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  let isText = options.checkText;
  const decoder = options.checkText ? new TextDecoder('utf-8', { fatal: true }) : undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (headBytes < SNIFF_BYTES) {
      head.push(Buffer.from(chunk.subarray(0, SNIFF_BYTES - headBytes)));
      headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
    }
    if (decoder && isText) isText = isTextChunk(decoder, chunk, false);
    const handedOver = hash.update(chunk);
    if (handedOver) await handedOver;
  }
  if (decoder && isText) isText = isTextChunk(decoder, new Uint8Array(), true);
  const sniffed = (await fileTypeFromBuffer(Buffer.concat(head, headBytes)))?.mime;
  return { bytes, sha256: await hash.digest(), sniffed, isText };
}

function isTextChunk(decoder: TextDecoder, chunk: Uint8Array, last: boolean): boolean {
  if (chunk.includes(0)) return false;
  try {
    decoder.decode(chunk, { stream: !last });
    return true;
  } catch {
    return false;
  }
}
