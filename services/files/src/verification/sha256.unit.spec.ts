import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from './inspect.js';
import { HashThread, inlineSha256, type Sha256 } from './sha256.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function hashAll(hash: Sha256, chunks: Buffer[]): Promise<string> {
  for (const chunk of chunks) await hash.update(chunk);
  return hash.digest();
}

/** Chunks of every kind a stream hands out: whole buffers, slices of one buffer, pooled small ones. */
function mixedChunks(total: number): { chunks: Buffer[]; bytes: Buffer } {
  const bytes = randomBytes(total);
  const chunks: Buffer[] = [];
  let at = 0;
  let turn = 0;
  while (at < bytes.length) {
    const size = [65_536, 100, 1_000_000, 3][turn++ % 4]!;
    const part = bytes.subarray(at, at + size);
    // Own memory (transferable), a view into a larger buffer, or a copy from Node's shared pool.
    chunks.push(turn % 3 === 0 ? Buffer.from(part) : turn % 3 === 1 ? part : Buffer.concat([part]));
    at += size;
  }
  return { chunks, bytes };
}

describe('SHA-256 off the event loop (HashThread)', () => {
  const thread = new HashThread();
  afterAll(() => thread.close());

  it('digests what the inline hash digests, over chunks of every kind, past the backpressure limit', async () => {
    const { chunks, bytes } = mixedChunks(20 * 1024 * 1024 + 17);
    const copies = chunks.map((chunk) => Buffer.from(chunk));
    expect(await hashAll(thread.start(), chunks)).toBe(sha256(bytes));
    expect(await hashAll(inlineSha256(), copies)).toBe(sha256(bytes));
  });

  it('keeps concurrent jobs apart', async () => {
    const inputs = [randomBytes(3 * 1024 * 1024), randomBytes(5 * 1024 * 1024 + 1), Buffer.alloc(0)];
    const digests = await Promise.all(
      inputs.map((input) => {
        const chunks: Buffer[] = [];
        for (let at = 0; at < input.length; at += 65_536)
          chunks.push(Buffer.from(input.subarray(at, at + 65_536)));
        return hashAll(thread.start(), chunks);
      }),
    );
    expect(digests).toEqual(inputs.map(sha256));
  });

  it('hashes small objects inline and large ones on the thread', async () => {
    const small = thread.hashFor(1024);
    const chunk = Buffer.from(randomBytes(2048));
    await small.update(chunk);
    expect(chunk.byteLength).toBe(2048); // not transferred
    const large = thread.hashFor(8 * 1024 * 1024);
    const big = Buffer.from(randomBytes(2 * 1024 * 1024));
    const expected = sha256(big);
    await large.update(big);
    expect(big.byteLength).toBe(0); // its memory went to the thread
    expect(await large.digest()).toBe(expected);
  });

  it('fails the jobs of a thread that died, and starts a new thread for the next one', async () => {
    const doomed = new HashThread();
    const job = doomed.start();
    await job.update(Buffer.from(randomBytes(2 * 1024 * 1024)));
    await (doomed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(job.digest()).rejects.toThrow(/hashing thread exited/);
    const bytes = randomBytes(2 * 1024 * 1024);
    expect(await hashAll(doomed.start(), [Buffer.from(bytes)])).toBe(sha256(bytes));
    await doomed.close();
  });

  it('inspect sniffs and checks text from the chunks before the thread takes them', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3 * 1024 * 1024)]);
    const stream = Readable.from(
      Array.from({ length: Math.ceil(pdf.length / 65_536) }, (_, i) =>
        Buffer.from(pdf.subarray(i * 65_536, (i + 1) * 65_536)),
      ),
    );
    const inspection = await inspect(stream, { checkText: true, hash: thread.hashFor(pdf.length) });
    expect(inspection).toEqual({
      bytes: pdf.length,
      sha256: sha256(pdf),
      sniffed: 'application/pdf',
      isText: false,
    });
  });
});
