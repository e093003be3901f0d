/** Intent lexicons: loading and validation, term matching, masks, CJK substrings, custom lexicons. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileIntentMatcher, compileTerm, detectIntent, matchIntent } from '../../src/signals/intent.js';
import {
  defaultLexicons,
  INTENT_CATEGORIES,
  LexiconError,
  loadLexiconDir,
  packageLexiconDir,
  parseLexicon,
} from '../../src/signals/lexicons/index.js';
import { foldForIntent, normalizeForPii } from '../../src/signals/normalize.js';

test('the six shipped lexicons load from the package and have all three categories', () => {
  const lexicons = defaultLexicons();
  assert.deepEqual(lexicons.map((l) => l.language).sort(), ['en', 'id', 'ko', 'ms', 'sq', 'zh']);
  for (const lexicon of lexicons)
    for (const category of INTENT_CATEGORIES)
      assert.ok(lexicon[category].length > 0, `${lexicon.language} ${category}`);
  assert.match(packageLexiconDir(), /src[/\\]signals[/\\]lexicons$/);
});

test('invalid lexicons are refused with the file and entry named', () => {
  assert.throws(
    () => parseLexicon({ language: 'xx', harassment: [{ regex: '(' }] }, 'xx.json'),
    (e: unknown) => {
      assert.ok(e instanceof LexiconError);
      assert.match(e.message, /xx\.json: harassment\.0/);
      return true;
    },
  );
  assert.throws(() => parseLexicon({ request_info: [] }, 'no-language.json'), /no-language\.json: language/);
  assert.throws(() => parseLexicon({ language: 'xx', offer_sale: [''] }, 'empty.json'), LexiconError);
});

test('an organisation can add a language from its own folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'perisai-lexicon-'));
  try {
    await writeFile(
      join(dir, 'tl.json'),
      JSON.stringify({ language: 'tl', request_info: ['sino siya'], offer_sale: [], harassment: [] }),
    );
    const matcher = compileIntentMatcher([...defaultLexicons(), ...loadLexiconDir(dir)]);
    assert.deepEqual(detectIntent('Sino siya??', matcher), ['request_info']);
    assert.deepEqual(detectIntent('Sino siya??'), [], 'the shipped lexicons alone do not know it');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Latin terms match whole words only', () => {
  assert.deepEqual(detectIntent('info gan?'), ['request_info']);
  assert.deepEqual(detectIntent('informasi lengkap di website'), []);
  assert.deepEqual(detectIntent('the sluttery'), [], 'a slur inside another word is not matched');
  assert.deepEqual(detectIntent('dijual'), ['offer_sale']);
});

test('a space in a term matches punctuation or nothing', () => {
  assert.deepEqual(detectIntent('adayangtau?'), ['request_info']);
  assert.deepEqual(detectIntent('who-is-she'), ['request_info']);
});

test('obfuscated spellings match', () => {
  const cases: [string, string][] = [
    ['wh0 1s th1s g1rl?', 'request_info'],
    ['w h o  i s  s h e', 'request_info'],
    ['s1ap4 1n1', 'request_info'],
    ['ｗｈｏ ｉｓ ｓｈｅ', 'request_info'],
    ['in\u200bfo?', 'request_info'],
    ['siapaaaa iniii', 'request_info'],
    ['n.u.d.e.s for s.a.l.e', 'offer_sale'],
    ['Wh*re', 'harassment'],
    ['sl*t', 'harassment'],
    ['p3r3k', 'harassment'],
    ['k*rva', 'harassment'],
    ['\u0455lut', 'harassment'],
  ];
  for (const [text, category] of cases) assert.deepEqual(detectIntent(text), [category], text);
});

test('masks are limited: not the first letter, one per four letters', () => {
  assert.deepEqual(detectIntent('*hore'), []);
  assert.deepEqual(detectIntent('w**re'), []);
  assert.deepEqual(detectIntent('****'), []);
  assert.equal(compileTerm('whore').maxMasks, 1);
  assert.equal(compileTerm('cod').maxMasks, 0);
});

test('CJK terms match as substrings; Korean particles attach', () => {
  assert.deepEqual(detectIntent('이 여자 누구야?'), ['request_info']);
  assert.deepEqual(detectIntent('这是谁？'), ['request_info']);
  assert.deepEqual(detectIntent('有她的联系方式吗'), ['request_info']);
  assert.deepEqual(detectIntent('出售全套视频'), ['offer_sale']);
  assert.deepEqual(detectIntent('개인정보 보호 정책'), [], '정보 alone is not a request');
});

test('plain-text regexes see prices with currency', () => {
  assert.deepEqual(detectIntent('50rb aja'), ['offer_sale']);
  assert.deepEqual(detectIntent('RM30 je'), ['offer_sale']);
  assert.deepEqual(detectIntent('会员群 99元'), ['offer_sale']);
  assert.deepEqual(detectIntent('$10 each'), ['offer_sale']);
  assert.deepEqual(detectIntent('Tadi beli bakso Rp 15.000'), []);
  assert.deepEqual(detectIntent('I paid $49.99 for these shoes'), []);
  assert.deepEqual(detectIntent('Mulai 2024-05-12 kantor pindah'), [], 'a number without a currency is no price');
});

test('matchIntent reports the entry, language and original text of each match', () => {
  const text = 'Wh*re for sale ｗｈｏ ｉｓ ｓｈｅ';
  const matches = matchIntent(text);
  const whore = matches.find((m) => m.entry === 'whore');
  assert.deepEqual(whore, { category: 'harassment', language: 'en', entry: 'whore', text: 'Wh*re', start: 0, end: 5 });
  const who = matches.find((m) => m.entry === 'who is she');
  assert.equal(who?.text, 'ｗｈｏ ｉｓ ｓｈｅ');
  assert.equal(text.slice(who!.start, who!.end), 'ｗｈｏ ｉｓ ｓｈｅ');
});

test('categories come once each, in a fixed order', () => {
  assert.deepEqual(detectIntent('slut for sale, who is she? jual, siapa ini'), [
    'request_info',
    'offer_sale',
    'harassment',
  ]);
});

test('hostile input finishes', () => {
  for (const text of ['1'.repeat(65536), `w${'*'.repeat(65536)}`, 'w h o '.repeat(10000), `kil${'l'.repeat(65536)}`])
    assert.ok(Array.isArray(detectIntent(text)));
});

test('the word-start gates never hide a match: gated matching equals running every regex', () => {
  const matcher = compileIntentMatcher();
  // Every entry's own text, then obfuscated the ways abuse channels write: doubled and
  // masked letters, leetspeak, spacing, capitals, CJK particles, words glued around it.
  const variants = (term: string): string[] => {
    const letters = [...term];
    return [
      term,
      `${letters[0]}${term}`,
      letters.map((c, i) => (i === 1 ? '*' : c)).join(''),
      letters.map((c, i) => (i === 2 ? '#' : c)).join(''),
      term.replace(/l/g, '1').replace(/e/g, '3').replace(/a/g, '4'),
      letters.join(' '),
      term.toUpperCase(),
      `x${term}`,
      `${term}야`,
      `ok so ${term}?? lol`,
    ];
  };
  const texts = matcher.matchers.filter((m) => !m.entry.startsWith('/')).flatMap((m) => variants(m.entry));
  texts.push('info', 'harga rp 50rb aja', '¥200', 'rm 30 je', '5만원에', '  ');
  const everyRegex = (text: string) => {
    const folded = foldForIntent(text).text;
    const plain = normalizeForPii(text).text;
    return matcher.matchers
      .filter((m) => {
        const copy = m.on === 'folded' ? folded : plain;
        m.re.lastIndex = 0;
        for (let hit = m.re.exec(copy); hit; hit = m.re.exec(copy)) {
          if (hit[0] === '') {
            m.re.lastIndex++;
            continue;
          }
          if (m.maxMasks < 0 || [...hit[0]].filter((c) => c === '*' || c === '#').length <= m.maxMasks) return true;
        }
        return false;
      })
      .map((m) => m.entry);
  };
  let matched = 0;
  for (const text of texts) {
    const expected = everyRegex(text);
    matched += expected.length;
    assert.deepEqual(
      matchIntent(text, matcher).map((m) => m.entry),
      expected,
      JSON.stringify(text),
    );
  }
  assert.ok(matched > texts.length / 2, `most variants match (${matched} matches in ${texts.length} texts)`);
});
