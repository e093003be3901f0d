/**
 * Bytes → lines, streaming. UTF-8 (a leading BOM dropped), "\n" or "\r\n" endings. A line
 * longer than the limit is cut, and the rest of it skipped, so one hostile line of a
 * gigabyte cannot fill memory.
 */

export interface LineOptions {
  maxLineChars: number;
  /** Called with the 1-based number of each line that was cut. */
  onLongLine?: (lineNo: number) => void;
}

export async function* splitLines(chunks: AsyncIterable<Uint8Array>, options: LineOptions): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  const max = options.maxLineChars;
  let pending = '';
  let skipping = false;
  let lineNo = 0;
  const emit = (line: string): string => {
    lineNo++;
    if (line.length > max) {
      options.onLongLine?.(lineNo);
      return line.slice(0, max);
    }
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', start)) {
      if (!skipping) yield emit(pending + text.slice(start, at));
      skipping = false;
      pending = '';
      start = at + 1;
    }
    if (skipping) continue;
    pending += text.slice(start);
    if (pending.length > max) {
      // Cut now and drop everything up to the line's end.
      yield emit(pending);
      pending = '';
      skipping = true;
    }
  }
  const last = pending + decoder.decode();
  if (!skipping && last !== '') yield emit(last);
}

/** Lines of a string (tests and callers holding the text in memory). */
export function linesOf(text: string): string[] {
  const lines = text.replace(/^\ufeff/, '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
