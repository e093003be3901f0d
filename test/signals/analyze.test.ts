/**
 * analyzeText: the output shape (a contract), and precision/recall on the labelled
 * multilingual test set in test/fixtures/signals/messages.jsonl.
 *
 * Set format, one JSON object per line: id, lang, text, optional country (the
 * source's setting) and chat (messages sharing a chat share a PhoneContext, in
 * file order), and the expected phones (E.164), emails, handles
 * ("platform:handle"), telegram_links and intent. Missing lists are empty.
 * Ids ending in -hNN were written after the code and first run blind.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeText, type TextSignals } from '../../src/signals/analyze.js';
import { PhoneContext } from '../../src/signals/pii.js';
import { OWN_FIXTURES } from '../support/env.js';

const CATEGORIES = ['phones', 'emails', 'handles', 'telegram_links', 'intent'] as const;
type Category = (typeof CATEGORIES)[number];

interface Labelled extends Partial<Record<Category, string[]>> {
  id: string;
  lang: string;
  text: string;
  country?: string;
  chat?: string;
}

function readSet(): Labelled[] {
  const path = join(OWN_FIXTURES, 'signals', 'messages.jsonl');
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Labelled);
}

/** The signals of one message as comparable strings, per category. */
function asLabels(s: TextSignals): Record<Category, string[]> {
  return {
    phones: s.phones.map((p) => p.e164),
    emails: s.emails,
    handles: s.handles.map((h) => `${h.platform}:${h.handle}`),
    telegram_links: s.telegram_links,
    intent: s.intent,
  };
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

function score(c: Counts) {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function evaluate(set: Labelled[]) {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }])) as Record<Category, Counts>;
  const errors: string[] = [];
  const chats = new Map<string, PhoneContext>();
  for (const m of set) {
    let context: PhoneContext | undefined;
    if (m.chat) {
      context = chats.get(m.chat) ?? new PhoneContext();
      chats.set(m.chat, context);
    }
    const got = asLabels(analyzeText(m.text, { language: m.lang, country: m.country, context }));
    for (const category of CATEGORIES) {
      const expected = new Set(m[category] ?? []);
      const found = new Set(got[category]);
      for (const v of found) {
        if (expected.has(v)) counts[category].tp++;
        else {
          counts[category].fp++;
          errors.push(`false positive ${category} ${m.id}: ${v}`);
        }
      }
      for (const v of expected) {
        if (found.has(v)) continue;
        counts[category].fn++;
        errors.push(`false negative ${category} ${m.id}: ${v}`);
      }
    }
  }
  return { counts, errors };
}

test('the labelled set is large, multilingual and well-formed', () => {
  const set = readSet();
  assert.ok(set.length >= 200, `${set.length} messages`);
  const perLanguage = new Map<string, number>();
  for (const m of set) perLanguage.set(m.lang, (perLanguage.get(m.lang) ?? 0) + 1);
  assert.deepEqual([...perLanguage.keys()].sort(), ['en', 'id', 'ko', 'ms', 'sq', 'zh']);
  for (const n of perLanguage.values()) assert.ok(n >= 30);
  assert.equal(new Set(set.map((m) => m.id)).size, set.length, 'ids are unique');
  const negatives = set.filter((m) => CATEGORIES.every((c) => (m[c] ?? []).length === 0));
  assert.ok(negatives.length >= 50, `${negatives.length} messages with no signal at all`);
});

test('precision and recall on the labelled set', (t) => {
  const { counts, errors } = evaluate(readSet());
  for (const e of errors) t.diagnostic(e);
  for (const category of CATEGORIES) {
    const c = counts[category];
    const { precision, recall, f1 } = score(c);
    t.diagnostic(
      `${category}: precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} F1 ${f1.toFixed(3)} ` +
        `(tp ${c.tp}, fp ${c.fp}, fn ${c.fn})`,
    );
  }
  for (const category of ['phones', 'emails', 'handles', 'telegram_links'] as const) {
    const { precision, recall } = score(counts[category]);
    assert.ok(precision >= 0.95, `${category} precision ${precision}`);
    assert.ok(recall >= 0.95, `${category} recall ${recall}`);
  }
  assert.ok(score(counts.intent).f1 >= 0.9, `intent F1 ${score(counts.intent).f1}`);
});

test('the output has exactly the contract shape', () => {
  const s = analyzeText('Info gan? IG nya @dewi.fiktif, WA 0812-3456-7890, sari.contoh@example.com t.me/demo_chan', {
    language: 'id',
  });
  assert.deepEqual(Object.keys(s), ['phones', 'emails', 'handles', 'telegram_links', 'locations', 'intent']);
  assert.deepEqual(s, {
    phones: [{ e164: '+6281234567890', country: 'ID' }],
    emails: ['sari.contoh@example.com'],
    handles: [{ platform: 'instagram', handle: 'dewi.fiktif' }],
    telegram_links: ['https://t.me/demo_chan'],
    locations: [],
    intent: ['request_info'],
  });
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'plain JSON, nothing lost');
});

test('an empty or binary message gives empty lists', () => {
  const empty = { phones: [], emails: [], handles: [], telegram_links: [], locations: [], intent: [] };
  assert.deepEqual(analyzeText(''), empty);
  assert.deepEqual(analyzeText('\u0000\u0001\uFFFD\uFFFD'), empty);
});

test('an explicit country overrides the language', () => {
  assert.deepEqual(analyzeText('012-345 6789', { language: 'id', country: 'MY' }).phones, [
    { e164: '+60123456789', country: 'MY' },
  ]);
});
