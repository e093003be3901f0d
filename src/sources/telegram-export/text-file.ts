/** A text file as UTF-8 decoded chunks, read with bounded memory. */
import { createReadStream } from 'node:fs';

export const CHUNK_BYTES = 1 << 16;

/** The decoder keeps a character split between chunks whole, drops a leading BOM and replaces invalid bytes with U+FFFD. */
export async function* decodeFile(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const buf of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const text = decoder.decode(buf as Buffer, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}
