import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

export type ScanResult = { clean: true } | { clean: false; signature: string };

/** clamd could not answer (down, timeout, protocol error): verification retries, then rejects. */
export class ScanUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanUnavailableError';
  }
}

const CHUNK = 64 * 1024;

/**
 * Scans a stream with clamd's INSTREAM command (`zINSTREAM\0`, then `<uint32 BE length><bytes>`
 * chunks and a zero-length chunk). Fails closed: anything but `stream: OK` or `… FOUND` throws.
 */
export function scanStream(url: string, stream: Readable, timeoutMs: number): Promise<ScanResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let answer = '';
    let settled = false;
    const fail = (message: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      stream.destroy();
      reject(new ScanUnavailableError(message, { cause }));
    };
    const socket = createConnection({ host: hostname, port: Number(port || 3310) });
    socket.setTimeout(timeoutMs, () => fail(`clamd did not answer within ${timeoutMs} ms`));
    socket.on('error', (error) => fail(`clamd unreachable: ${error.message}`, error));
    socket.on('data', (data) => {
      answer += data.toString('latin1');
    });
    socket.on('close', () => {
      if (settled) return;
      settled = true;
      const line = answer.replace(/[\0\n]+$/, '');
      const found = /^stream: (.+) FOUND$/.exec(line);
      if (line === 'stream: OK') resolve({ clean: true });
      else if (found) resolve({ clean: false, signature: found[1]! });
      else reject(new ScanUnavailableError(`unexpected clamd answer: ${line.slice(0, 200) || '(none)'}`));
    });
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      pump(stream, socket).then(
        () => socket.write(Buffer.alloc(4)),
        (error: unknown) => fail('reading the object for the scan failed', error),
      );
    });
  });
}

/** Streams the bytes as INSTREAM chunks, waiting for the socket to drain (large files stay bounded). */
async function pump(stream: Readable, socket: Socket): Promise<void> {
  for await (const data of stream as AsyncIterable<Buffer>) {
    for (let offset = 0; offset < data.length; offset += CHUNK) {
      const chunk = data.subarray(offset, offset + CHUNK);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(chunk.length);
      if (!socket.write(Buffer.concat([size, chunk]))) await once(socket, 'drain');
    }
  }
}
