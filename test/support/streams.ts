/** In-memory writable streams for testing CLI commands without spawning. */
import { Writable } from 'node:stream';

export class MemoryStream extends Writable {
  private chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  lines(): string[] {
    return this.text()
      .split('\n')
      .filter((l) => l !== '');
  }
}

export function memoryStreams() {
  return {
    out: new MemoryStream() as MemoryStream & NodeJS.WriteStream,
    err: new MemoryStream() as MemoryStream & NodeJS.WriteStream,
  };
}
