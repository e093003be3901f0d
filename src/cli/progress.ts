/** A one-line progress display on stderr, shown only on a terminal. */
export class Progress {
  private done = 0;
  private failed = 0;
  private last = 0;
  private readonly enabled: boolean;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private total?: number,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) && process.env.CI !== 'true';
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  setTotal(total: number): void {
    this.total = total;
  }

  tick(ok = true): void {
    this.done++;
    if (!ok) this.failed++;
    const now = Date.now();
    if (this.enabled && now - this.last > 100) {
      this.last = now;
      this.render();
    }
  }

  /** Clears the line so other stderr output is not garbled. */
  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }

  finish(): void {
    if (this.enabled) {
      this.render();
      this.stream.write('\n');
    }
  }

  private render(): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? (this.done / secs).toFixed(1) : '0';
    let bar = '';
    if (this.total) {
      const width = 30;
      const filled = Math.min(width, Math.round((this.done / this.total) * width));
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}`;
    } else {
      bar = `${this.done}`;
    }
    const fails = this.failed ? `, ${this.failed} failed` : '';
    this.stream.write(`\r\x1b[K${this.label} ${bar} (${rate}/s${fails})`);
  }
}
