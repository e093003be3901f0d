/**
 * Writes a Telegram Desktop JSON export (single-chat shape) with synthetic photos,
 * for scan tests and the scan benchmark. Fictional people only; phone numbers are
 * in the +44 7700 900xxx drama range; photos are generated patterns.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { chatterLine } from './chatter.js';

export interface GeneratedExportOptions {
  messages: number;
  /** Messages carrying a photo, spread evenly. */
  photos: number;
  /** About one message in n carries personal data (default 10: 10%, 11% in fact, see below). */
  personalDataEvery?: number;
  /** Photo size (default 640x480). */
  width?: number;
  height?: number;
  /** Photos shared by more than one message (same bytes), for dedupe tests. Default 0. */
  repeatedPhotos?: number;
}

export interface GeneratedExport {
  dir: string;
  resultJson: string;
  /** Photo file paths, in message order (repeats listed once). */
  photoPaths: string[];
  /** Message ids that carry personal data. */
  personalDataIds: Set<number>;
  /** Message id of each photo path. */
  photoMessageIds: Map<string, number[]>;
}

const BASE_UNIX = 1_700_000_000;

export async function writeGeneratedExport(dir: string, options: GeneratedExportOptions): Promise<GeneratedExport> {
  mkdirSync(join(dir, 'photos'), { recursive: true });
  const every = options.personalDataEvery ?? 10;
  const photoStep = options.photos > 0 ? Math.max(1, Math.floor(options.messages / options.photos)) : 0;
  const photoPaths: string[] = [];
  const photoMessageIds = new Map<string, number[]>();
  const personalDataIds = new Set<number>();
  const resultJson = join(dir, 'result.json');
  const out = createWriteStream(resultJson);
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(
    '{\n "name": "Generated Test Channel",\n "type": "public_channel",\n "id": 1999000111,\n "messages": [\n',
  );
  let photoCount = 0;
  for (let id = 1; id <= options.messages; id++) {
    let photo: string | null = null;
    if (photoStep > 0 && id % photoStep === 0 && photoCount < options.photos) {
      // The photos right after the first repeat its bytes.
      const repeat = photoCount >= 1 && photoCount <= (options.repeatedPhotos ?? 0);
      photo = repeat ? photoPaths[0]! : await writePhoto(dir, photoCount, options);
      if (!repeat) photoPaths.push(photo);
      photoMessageIds.set(photo, [...(photoMessageIds.get(photo) ?? []), id]);
      photoCount++;
    }
    // Mostly on messages without photos; every 10th time on a photo message (doxxing).
    const named = every > 0 && (id % every === Math.floor(every / 2) || id % (every * 10) === 0);
    if (named) personalDataIds.add(id);
    await write(`${id > 1 ? ',\n' : ''}${JSON.stringify(messageRecord(id, named, photo, dir))}`);
  }
  await write('\n ]\n}\n');
  out.end();
  await once(out, 'finish');
  return { dir, resultJson, photoPaths, personalDataIds, photoMessageIds };
}

function messageRecord(id: number, named: boolean, photo: string | null, dir: string): Record<string, unknown> {
  const unix = BASE_UNIX + id * 37;
  const text = named
    ? `info about her: call +44 7700 900${String(id % 1000).padStart(3, '0')} or insta @fictional.person${id}`
    : chatterLine(id);
  const record: Record<string, unknown> = {
    id,
    type: 'message',
    date: new Date(unix * 1000).toISOString().slice(0, 19),
    date_unixtime: String(unix),
    from: `Member ${id % 53}`,
    from_id: `user${5_500_000 + (id % 53)}`,
    text,
    text_entities: [{ type: 'plain', text }],
  };
  if (photo) {
    record.photo = photo.slice(dir.length + 1);
    record.width = 640;
    record.height = 480;
  }
  return record;
}

async function writePhoto(dir: string, n: number, options: GeneratedExportOptions): Promise<string> {
  const path = join(dir, 'photos', `photo_${n + 1}@01-01-2024_00-00-00.jpg`);
  await syntheticPhoto(n + 1, options.width ?? 640, options.height ?? 480).toFile(path);
  return path;
}

/**
 * A smooth random picture: an 8x8 grid of random colours from `seed`, scaled up.
 * Independent grids give unrelated PDQ hashes (about 128 bits apart), so
 * generated photos never match each other by accident.
 */
export function syntheticPhoto(seed: number, width = 640, height = 480) {
  const grid = Buffer.alloc(8 * 8 * 3);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < grid.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    grid[i] = s >>> 24;
  }
  return sharp(grid, { raw: { width: 8, height: 8, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .jpeg({ quality: 85 });
}
