/**
 * `npm run bench -- signals [--json] [--messages N]`
 *
 * Text signals (personal data and intent) per message, as the scan computes them
 * at ingest: analyzeText with one phone context per chat. The corpus is the
 * labelled multilingual test set (test/fixtures/signals/messages.jsonl) mixed with
 * generated chatter in the same proportion as a monitored channel (about one
 * message in ten carries something), repeated to N messages (default 20,000).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeText } from '../src/signals/analyze.js';
import { compileIntentMatcher } from '../src/signals/intent.js';
import { PhoneContext } from '../src/signals/phones.js';
import { chatterLine } from '../test/support/chatter.js';
import { positiveIntOption } from './_options.js';

const here = dirname(fileURLToPath(import.meta.url));

export async function run(args: string[]): Promise<void> {
  const n = positiveIntOption(args, '--messages', 20_000);
  const labelled = readFileSync(join(here, '..', 'test', 'fixtures', 'signals', 'messages.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const corpus = Array.from({ length: n }, (_, i) =>
    i % 10 === 5 ? labelled[((i / 10) % labelled.length) | 0]! : chatterLine(i),
  );
  const matcher = compileIntentMatcher();
  const run = () => {
    const context = new PhoneContext();
    let found = 0;
    const t0 = performance.now();
    for (const text of corpus) {
      const s = analyzeText(text, { country: 'GB', context, intentMatcher: matcher });
      found += s.phones.length + s.emails.length + s.handles.length + s.telegram_links.length + s.intent.length;
    }
    return { ms: performance.now() - t0, found };
  };
  run(); // warm-up: JIT and lazily built tables
  const runs = [run(), run(), run()];
  const best = Math.min(...runs.map((r) => r.ms));
  const figures = {
    messages: n,
    best_s: Math.round(best) / 1000,
    us_per_message: Math.round((best * 1000) / n),
    messages_per_s: Math.round(n / (best / 1000)),
    signals_found: runs[0]!.found,
  };
  console.log(
    `text signals on ${n} messages: ${figures.us_per_message} µs per message, ${figures.messages_per_s} messages/s`,
  );
  console.log(`  (best of 3 runs after a warm-up; ${figures.signals_found} signals found per run)`);
  if (args.includes('--json')) console.log(JSON.stringify(figures));
}
