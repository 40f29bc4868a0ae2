import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesHarness, newUser, pngBytes } from '../testing/filesHarness.js';
import { CRASH_POINTS, type CrashPoint } from './crashHooks.js';

// The files service as a real child process, SIGKILLed by FILES_CRASH_AT between two verification
// steps (no reply, no shutdown, nothing after the step), then started again without it: the saga
// resends VerifyUpload once the dead process's claim on the command lapses, and verification
// resumes after the last recorded step.
const serviceDir = fileURLToPath(new URL('../..', import.meta.url));
const mainEntry = fileURLToPath(new URL('../main.ts', import.meta.url));

const freePort = async (): Promise<number> => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
};

/** The FilesHarness, with the service in a child process (tsx on the sources, as `npm run dev`). */
class ChildProcessHarness extends FilesHarness {
  child: ChildProcess | undefined;
  crashAt: CrashPoint | undefined;

  override async startService(): Promise<void> {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.env)) if (value !== undefined) env[name] = value;
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ledgerline/source', mainEntry], {
      env: {
        ...env,
        TSX_TSCONFIG_PATH: `${serviceDir}/tsconfig.json`,
        HEALTH_PORT: String(port),
        LOG_LEVEL: 'error',
        ...(this.crashAt ? { FILES_CRASH_AT: this.crashAt } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
      cwd: serviceDir,
    });
    this.child = child;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`files exited with ${child.exitCode} while starting`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error('files did not become ready within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Resolves with the signal that ended the child. */
  async exited(): Promise<NodeJS.Signals | null> {
    const child = this.child!;
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    return child.signalCode;
  }

  override async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    await super.stop();
  }
}

const h = new ChildProcessHarness();
// A dead process's claim on VerifyUpload lapses VERIFY_TIMEOUT_MS + 10 s after it was taken.
beforeAll(() => h.start({ VERIFY_TIMEOUT_MS: '2000' }), 180_000);
afterAll(() => h.stop(), 60_000);

describe('the files process killed (SIGKILL) between two verification steps, then restarted', () => {
  for (const [index, point] of (Object.keys(CRASH_POINTS) as CrashPoint[]).entries()) {
    it(`killed ${point}: available exactly once, one object, quota counted once`, async () => {
      // The process running now has no crash point: stop it and start one that has.
      h.child!.kill('SIGTERM');
      await h.exited();
      h.crashAt = point;
      await h.startService();

      const owner = newUser();
      const body = pngBytes(300 + index);
      const { fileId, upload } = await h.request(owner, body, 'image/png');
      expect((await h.put(upload, body)).status).toBe(200);
      await h.complete(owner, fileId);
      expect(await h.exited()).toBe('SIGKILL');
      expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(0);

      h.crashAt = undefined;
      await h.startService();
      // The dead process's claim on VerifyUpload lapses after the command timeout (2 s) + 10 s.
      const file = await h.waitForStatus(owner, fileId, 'available', 90_000);
      expect(file.sniffedContentType).toBe('image/png');
      expect(await h.eventsOf(fileId, 'FileAvailable')).toHaveLength(1);
      for (const type of ['UploadObjectChecked', 'UploadContentVerified', 'UploadObjectMoved']) {
        expect(await h.eventsOf(fileId, type)).toHaveLength(1);
      }
      expect(h.keysOf(fileId)).toEqual([`files/${owner}/${fileId}`]);
      expect(await h.storage(owner)).toMatchObject({ usedBytes: body.length, reservedBytes: 0 });
    }, 240_000);
  }
});
