import { createServer, type Socket } from 'node:net';

/** The EICAR test string: every antivirus reports it as `Eicar-Signature`. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export interface ClamdTestServer {
  readonly url: string;
  readonly port: number;
  /** Number of INSTREAM scans answered. */
  scans(): number;
  /** While down, connections are reset without an answer (clamd crashed or unreachable). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * A minimal server speaking clamd's protocol (`zINSTREAM\0` / `nINSTREAM\n` followed by
 * `<uint32 BE length><bytes>` chunks and a zero-length chunk; also PING). It answers
 * `stream: OK` or `stream: Eicar-Signature FOUND` when the stream contains the EICAR string.
 */
export async function startClamdServer(): Promise<ClamdTestServer> {
  let scans = 0;
  let down = false;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (down) {
      socket.resetAndDestroy();
      return;
    }
    let buffer = Buffer.alloc(0);
    let command: string | undefined;
    let terminator = '\0';
    const stream: Buffer[] = [];
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (command === undefined) {
        const end = buffer.findIndex((b) => b === 0 || b === 0x0a);
        if (end < 0) return;
        const raw = buffer.subarray(0, end).toString('latin1');
        terminator = raw.startsWith('n') ? '\n' : '\0';
        command = raw.replace(/^[zn]/, '');
        buffer = buffer.subarray(end + 1);
        if (command === 'PING') {
          socket.end(`PONG${terminator}`);
          return;
        }
        if (command !== 'INSTREAM') {
          socket.end(`UNKNOWN COMMAND${terminator}`);
          return;
        }
      }
      while (buffer.length >= 4) {
        const size = buffer.readUInt32BE(0);
        if (size === 0) {
          scans += 1;
          const infected = Buffer.concat(stream).includes(EICAR);
          socket.end(`stream: ${infected ? 'Eicar-Signature FOUND' : 'OK'}${terminator}`);
          return;
        }
        if (buffer.length < 4 + size) return;
        stream.push(buffer.subarray(4, 4 + size));
        buffer = buffer.subarray(4 + size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    scans: () => scans,
    setDown: (value) => {
      down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
