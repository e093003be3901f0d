/** Normalization: invisibles, look-alikes, leetspeak, spacing and masks, with offsets back to the original. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldForIntent, foldTerm, isCjk, normalizeForPii, originalSpan } from '../../src/signals/normalize.js';

test('zero-width characters are removed from both copies', () => {
  const raw = 'in\u200bfo\u200c? t.me/\u2060demo\uFEFF_chan';
  assert.equal(normalizeForPii(raw).text, 'info? t.me/demo_chan');
  assert.equal(foldForIntent(raw).text, 'info? t.me/demo_chan');
});

test('NFKC turns fullwidth and mathematical letters and digits into ASCII', () => {
  assert.equal(normalizeForPii('０８１２-３４５６ Ｉｎｆｏ').text, '0812-3456 Info');
  assert.equal(foldForIntent('𝐧𝐮𝐝𝐞𝐬').text, 'nudes');
});

test('Cyrillic and Greek look-alikes fold to Latin', () => {
  // "t.mе" with Cyrillic е, "іnfо" with Cyrillic і and о, "ΒΟΚΕΡ" in Greek capitals.
  assert.equal(normalizeForPii('t.m\u0435/demo').text, 't.me/demo');
  assert.equal(foldForIntent('\u0456nf\u043e').text, 'info');
  assert.equal(foldForIntent('\u0392\u039f\u039a\u0395\u03a1').text, 'bokep');
});

test('the PII copy keeps case and digits; the intent copy lowercases and drops accents', () => {
  assert.equal(normalizeForPii('Dewi 0812').text, 'Dewi 0812');
  assert.equal(foldForIntent('Kush ËSHTË').text, 'kush eshte');
});

test('leetspeak folds only inside words with letters, so plain numbers stay numbers', () => {
  assert.equal(foldForIntent('s1ap4 1n1').text, 'siapa ini');
  assert.equal(foldForIntent('wh0 1s th1s').text, 'who is this');
  assert.equal(foldForIntent('p3r3k 2024 $49').text, 'perek 2024 $49');
  assert.equal(normalizeForPii('s1ap4').text, 's1ap4', 'the PII copy is never leet-folded');
});

test('spaced-out letters join; two spaces keep a word break', () => {
  assert.equal(foldForIntent('w h o  i s  s h e').text, 'who is she');
  assert.equal(foldForIntent('n.u.d.e.s for sale').text, 'nudes for sale');
  assert.equal(foldForIntent('k u s h  e s h t e').text, 'kush eshte');
  assert.equal(foldForIntent('a.n. Budi').text, 'a.n. budi', 'two letters are an abbreviation, not a trick');
  assert.equal(foldForIntent('I am a big fan').text, 'i am a big fan');
});

test('stretched letters shrink; masks stay for the matcher to judge', () => {
  assert.equal(foldForIntent('siapaaaa infooo').text, 'siapa info');
  assert.equal(foldForIntent('Wh*re').text, 'wh*re');
});

test('origins map every unit of the folded text back to the original', () => {
  const raw = 'hey w h o  i s';
  const m = foldForIntent(raw);
  assert.equal(m.text, 'hey who is');
  assert.equal(m.origin.length, m.text.length);
  const start = m.text.indexOf('who');
  const [from, to] = originalSpan(raw, m, start, m.text.length);
  assert.equal(raw.slice(from, to), 'w h o  i s');
});

test('origins survive astral characters and removed characters', () => {
  const raw = '\u{1D427}\u{1D42E}\u200b\u{1D41D}e!';
  const m = foldForIntent(raw);
  assert.equal(m.text, 'nude!');
  const [from, to] = originalSpan(raw, m, 0, 4);
  assert.equal(raw.slice(from, to), '\u{1D427}\u{1D42E}\u200b\u{1D41D}e');
});

test('terms are folded like text, without joining or leet', () => {
  assert.equal(foldTerm('Kush Është'), 'kush eshte');
  assert.equal(foldTerm('18+'), '18+');
});

test('isCjk tells scripts written without spaces', () => {
  assert.equal(isCjk('这是谁'), true);
  assert.equal(isCjk('누구'), true);
  assert.equal(isCjk('siapa'), false);
});

test('binary junk does not throw', () => {
  const junk = Array.from({ length: 4096 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('');
  assert.equal(typeof foldForIntent(junk).text, 'string');
  assert.equal(typeof normalizeForPii(junk).text, 'string');
});
