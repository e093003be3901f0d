/**
 * A few reusable buffers for sealed blobs. Each capture of a 2 MB item would otherwise
 * allocate a fresh 2 MB buffer, and in a process holding a large heap (PGlite) such
 * allocations trigger frequent full garbage collections: measured, a quarter of the CPU
 * time per capture. Only ciphertext ever goes into these buffers.
 */
const MAX_POOLED = 4;
const MAX_POOLED_BYTES = 64 * 1024 * 1024;

export class BufferPool {
  private readonly free: Buffer[] = [];

  /** A buffer of at least `length` bytes, or undefined (the caller allocates). */
  take(length: number): Buffer | undefined {
    const i = this.free.findIndex((b) => b.length >= length);
    return i < 0 ? undefined : this.free.splice(i, 1)[0];
  }

  /** Gives back the whole buffer behind `view` once nothing reads it any more. */
  give(view: Uint8Array): void {
    const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
    if (view.byteOffset !== 0 || whole.length > MAX_POOLED_BYTES || this.free.length >= MAX_POOLED) return;
    // Small buffers from Node's shared pool are not ours to keep.
    if (whole.length < 64 * 1024) return;
    this.free.push(whole);
  }
}
