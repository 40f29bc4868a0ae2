import { createHash } from 'node:crypto';
import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';

/** A SHA-256 over a stream of chunks. `update` returns a promise when the caller should wait (backpressure). */
export interface Sha256 {
  update(chunk: Buffer): Promise<void> | undefined;
  digest(): Promise<string>;
}

/** Hashing on the calling thread: cheapest for small objects (no hand-off). */
export function inlineSha256(): Sha256 {
  const hash = createHash('sha256');
  return {
    update(chunk) {
      hash.update(chunk);
      return undefined;
    },
    digest: async () => hash.digest('hex'),
  };
}

// The thread's code as a string (eval): it needs nothing but node:crypto, and a separate entry file would
// have to be found at run time in source (tsx, vitest) and in the built image alike.
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', ({ job, chunks, end }) => {
  let hash = hashes.get(job);
  if (hash === undefined) hashes.set(job, (hash = createHash('sha256')));
  let bytes = 0;
  for (const chunk of chunks) {
    hash.update(new Uint8Array(chunk));
    bytes += chunk.byteLength;
  }
  if (!end) return parentPort.postMessage({ job, bytes });
  hashes.delete(job);
  parentPort.postMessage({ job, bytes, digest: hash.digest('hex') });
});`;

/** Below this size the hand-off costs more than it saves: such objects are hashed inline. */
const OFF_THREAD_MIN_BYTES = 1024 * 1024;
/** Chunks are handed over in batches of about this many bytes (one message each). */
const BATCH_BYTES = 1024 * 1024;
/** A job stops reading once this many of its bytes are handed over but not yet hashed. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

interface Job {
  inFlight: number;
  failed?: Error;
  resume?: () => void;
  finish?: { resolve(digest: string): void; reject(error: Error): void };
}

/**
 * SHA-256 on a worker thread shared by every verification of this process. Hashing a large object
 * costs about as much CPU as reading it from S3; on the event loop the two run one after the other
 * (and hold up every other request), on their own thread they overlap. Chunks are transferred, not
 * copied, wherever their memory is theirs alone.
 */
export class HashThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextJob = 0;

  /** The hash for an object of `bytes`: on this thread when small, else on the hashing thread. */
  hashFor(bytes: number): Sha256 {
    return bytes < OFF_THREAD_MIN_BYTES ? inlineSha256() : this.start();
  }

  start(): Sha256 {
    const worker = this.running();
    const id = this.nextJob++;
    const job: Job = { inFlight: 0 };
    this.jobs.set(id, job);
    let batch: ArrayBuffer[] = [];
    let batchBytes = 0;
    const send = (end: boolean) => {
      job.inFlight += batchBytes;
      worker.postMessage({ job: id, chunks: batch, end }, batch);
      batch = [];
      batchBytes = 0;
    };
    return {
      update: (chunk) => {
        if (job.failed) throw job.failed;
        batch.push(ownedCopyOf(chunk));
        batchBytes += chunk.length;
        if (batchBytes < BATCH_BYTES) return undefined;
        send(false);
        if (job.inFlight < MAX_IN_FLIGHT_BYTES) return undefined;
        return new Promise<void>((resolve) => {
          job.resume = resolve;
        });
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          if (job.failed) return reject(job.failed);
          job.finish = { resolve, reject };
          send(true);
        }),
    };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', ({ job: id, bytes, digest }: { job: number; bytes: number; digest?: string }) => {
      const job = this.jobs.get(id);
      if (!job) return;
      job.inFlight -= bytes;
      if (digest !== undefined) {
        this.jobs.delete(id);
        job.finish?.resolve(digest);
      } else if (job.resume && job.inFlight < MAX_IN_FLIGHT_BYTES) {
        const resume = job.resume;
        job.resume = undefined;
        resume();
      }
    });
    // A dead thread fails the jobs it held (the verification step retries) and is replaced on next use.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const job of this.jobs.values()) {
        job.failed = error;
        job.finish?.reject(error);
        job.resume?.();
      }
      this.jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** The chunk's memory to transfer: its own ArrayBuffer when it spans all of it, else a copy. */
function ownedCopyOf(chunk: Buffer): ArrayBuffer {
  const whole =
    chunk.byteOffset === 0 &&
    chunk.byteLength === chunk.buffer.byteLength &&
    chunk.buffer instanceof ArrayBuffer &&
    !isMarkedAsUntransferable(chunk.buffer);
  if (whole) return chunk.buffer as ArrayBuffer;
  return chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
}
