/**
 * `perisai match FILE|HASH... [--json] [--dihedral] [--data DIR]`
 * Matches files or hashes against every enabled bank, with each bank's rules.
 */
import { isHash256Hex } from '../core/hash256.js';
import { hashMediaFile, queryOf } from '../hashing/media.js';
import { FloodDetector } from '../matching/flood.js';
import { LiveIndex } from '../matching/live-index.js';
import { type Match, Matcher, type MatchQuery } from '../matching/matcher.js';
import { isMediaError } from '../media/errors.js';
import { parseCommandArgs, UsageError } from './args.js';
import { withDatabase } from './context.js';

export const MATCH_USAGE = `usage: perisai match FILE|HASH... [--json] [--dihedral] [--data DIR]

Each argument is a 64-hex PDQ hash, a 32-hex MD5, or a file to hash: images by PDQ, videos by
vPDQ (a video matches when >= 80% of its good frames are found in a banked video), both by MD5/SHA-256.
Output: one line per match, "input,bank,content_id,signal_type,distance[,suppressed][,held]",
or "input,no match". --json prints one object per input with all match details.
--dihedral also matches rotated and flipped copies of images.`;

export async function matchCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    data: { type: 'string' },
    json: { type: 'boolean', default: false },
    dihedral: { type: 'boolean', default: false },
  });
  if (positionals.length === 0) throw new UsageError('give files or hashes to match');
  let failures = 0;
  await withDatabase(values.data, async (database) => {
    const index = new LiveIndex();
    await index.start(database);
    try {
      const matcher = new Matcher(database, index, new FloodDetector());
      for (const input of positionals) {
        try {
          const query = await queryFor(input, values.dihedral);
          const result = await matcher.lookup(query);
          const { vpdq, ...shown } = query;
          const summary = vpdq ? { ...shown, vpdq_frames: vpdq.length } : shown;
          out.write(
            values.json
              ? `${JSON.stringify({ input, ...summary, matches: result.matches })}\n`
              : textLines(input, result.matches),
          );
        } catch (e) {
          if (!isMediaError(e)) throw e;
          failures++;
          err.write(`perisai match: ${input}: ${e.message}\n`);
        }
      }
    } finally {
      await index.stop();
    }
  });
  return failures > 0 ? 1 : 0;
}

async function queryFor(input: string, dihedral: boolean): Promise<MatchQuery> {
  if (isHash256Hex(input)) return { pdq: input.toLowerCase() };
  if (/^[0-9a-fA-F]{32}$/.test(input)) return { md5: input.toLowerCase() };
  return queryOf(await hashMediaFile(input, { dihedral }), dihedral);
}

function textLines(input: string, matches: Match[]): string {
  if (matches.length === 0) return `${input},no match\n`;
  return matches
    .map((m) => {
      const flags = [m.suppressed ? 'suppressed' : '', m.held ? 'held' : ''].filter(Boolean);
      return [input, m.bank, m.contentId, m.signalType, m.distance, ...flags].join(',');
    })
    .join('\n')
    .concat('\n');
}
