import { createConnection } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ClamdTestServer, EICAR, startClamdServer } from './clamdServer.js';

let clamd: ClamdTestServer;
beforeAll(async () => {
  clamd = await startClamdServer();
});
afterAll(() => clamd.close());

/** Speaks INSTREAM as a clamd client does, in chunks of `chunkSize`. */
function scan(body: Buffer, chunkSize = 7): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: clamd.port }, () => {
      socket.write('zINSTREAM\0');
      for (let offset = 0; offset < body.length; offset += chunkSize) {
        const chunk = body.subarray(offset, offset + chunkSize);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(chunk.length);
        socket.write(Buffer.concat([size, chunk]));
      }
      socket.write(Buffer.alloc(4));
    });
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString('latin1');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

it('answers stream: OK for clean bytes and Eicar-Signature FOUND for the EICAR string split over chunks', async () => {
  expect(await scan(Buffer.from('just a harmless file'))).toBe('stream: OK\0');
  expect(await scan(Buffer.from(`prefix ${EICAR} suffix`))).toBe('stream: Eicar-Signature FOUND\0');
  expect(clamd.scans()).toBe(2);
});

it('resets connections while down', async () => {
  clamd.setDown(true);
  await expect(scan(Buffer.from('x'))).rejects.toThrow();
  clamd.setDown(false);
  expect(await scan(Buffer.from('x'))).toBe('stream: OK\0');
});
