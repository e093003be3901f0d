/**
 * Photo hashing on worker threads. A scan does more than hash: it parses the
 * export, finds personal data in the text and writes to the database, all on the
 * main thread. With decoding and PDQ on their own threads, that work runs beside
 * the hashing instead of taking turns with it.
 *
 * Jobs go to the least busy thread; a thread that dies fails its jobs with a
 * clear error and is replaced, so one bad file never stops a scan.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReadResult } from '../media/digest.js';
import { MediaError, type MediaErrorCode } from '../media/errors.js';
import type { PhotoHash, PhotoHashOptions } from './photo.js';
import type { PhotoJob, PhotoJobResult } from './photo-worker.js';

/** Threads by default: one per core beyond the main thread's, at least one. */
export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Pending {
  resolve: (hash: PhotoHash) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class PhotoHashPool {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number = defaultHashThreads()) {
    for (let i = 0; i < size; i++) this.threads.push(this.spawn());
  }

  hash(file: ReadResult, options: Omit<PhotoHashOptions, 'workspace'> = {}): Promise<PhotoHash> {
    if (this.closed) return Promise.reject(new Error('the photo hashing pool is closed'));
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    // Transfer a buffer of its own: a pooled Buffer's ArrayBuffer holds other data too.
    const data = new Uint8Array(file.data.length);
    data.set(file.data);
    const job: PhotoJob = { id, data: data.buffer, md5: file.md5, sha256: file.sha256, options };
    return new Promise<PhotoHash>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage(job, [data.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const thread: Thread = { worker: startWorker(), pending: new Map() };
    thread.worker.on('message', (result: PhotoJobResult) => {
      const job = thread.pending.get(result.id);
      if (!job) return;
      thread.pending.delete(result.id);
      if (result.ok) job.resolve(result.hash);
      else
        job.reject(
          result.code ? new MediaError(result.code as MediaErrorCode, result.message) : new Error(result.message),
        );
    });
    thread.worker.on('error', (err: Error) => this.replace(thread, err));
    thread.worker.on('exit', (code) => {
      if (!this.closed) this.replace(thread, new Error(`hashing thread exited with code ${code}`));
    });
    return thread;
  }

  private replace(thread: Thread, err: Error): void {
    const i = this.threads.indexOf(thread);
    if (i < 0) return;
    for (const job of thread.pending.values()) {
      job.reject(new MediaError('corrupt', `the hashing thread failed on this file: ${err.message}`));
    }
    thread.pending.clear();
    if (this.closed) return;
    this.threads[i] = this.spawn();
  }
}

/**
 * The worker's module: dist's .js directly; from source (tests, benchmarks run
 * with tsx) the .ts through tsx, whose loader hooks threads do not inherit.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./photo-worker.js', import.meta.url));
  const url = new URL('./photo-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true });
}
