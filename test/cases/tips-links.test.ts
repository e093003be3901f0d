/** Tip link normalisation, description signals and severity: pure functions, table-driven. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CaseError } from '../../src/cases/errors.js';
import { cleanText, prepareTip } from '../../src/cases/tip-intake.js';
import { FixedWindow } from '../../src/cases/tip-limits.js';
import { findChannelLinks, normaliseChannelLink } from '../../src/cases/tip-links.js';
import { describeTip, findMinorsIndicators, severityOf } from '../../src/cases/tip-triage.js';

describe('channel link normalisation', () => {
  const same: [string, string, number | null][] = [
    ['t.me/Fiktif_Channel', 'tg:@fiktif_channel', null],
    ['https://t.me/fiktif_channel/', 'tg:@fiktif_channel', null],
    ['http://telegram.me/FIKTIF_CHANNEL', 'tg:@fiktif_channel', null],
    ['https://www.t.me/fiktif_channel?start=abc', 'tg:@fiktif_channel', null],
    ['https://t.me/s/fiktif_channel/123', 'tg:@fiktif_channel', 123],
    ['t.me/fiktif_channel/77?single', 'tg:@fiktif_channel', 77],
    ['tg://resolve?domain=Fiktif_Channel', 'tg:@fiktif_channel', null],
    ['tg://resolve?domain=fiktif_channel&post=5', 'tg:@fiktif_channel', 5],
    ['@Fiktif_Channel', 'tg:@fiktif_channel', null],
    ['  https://T.ME/fiktif_channel  ', 'tg:@fiktif_channel', null],
    // Cyrillic "е" in the host, as abuse channels write links to dodge filters.
    ['https://t.m\u0435/fiktif_channel', 'tg:@fiktif_channel', null],
  ];
  for (const [input, key, messageId] of same) {
    test(`${input.trim()} -> ${key}`, () => {
      const ref = normaliseChannelLink(input);
      assert.ok(ref, input);
      assert.equal(ref.key, key);
      assert.equal(ref.platform, 'telegram');
      assert.equal(ref.link, 'https://t.me/fiktif_channel');
      assert.equal(ref.messageId, messageId);
    });
  }

  test('invite links keep their case-sensitive hash; joinchat and + are one key', () => {
    const a = normaliseChannelLink('https://t.me/joinchat/AbCdEfGh1234');
    const b = normaliseChannelLink('t.me/+AbCdEfGh1234');
    const c = normaliseChannelLink('tg://join?invite=AbCdEfGh1234');
    assert.equal(a?.key, 'tg:+AbCdEfGh1234');
    assert.equal(b?.key, a?.key);
    assert.equal(c?.key, a?.key);
    assert.equal(a?.link, 'https://t.me/+AbCdEfGh1234');
    assert.notEqual(normaliseChannelLink('t.me/+abcdefgh1234')?.key, a?.key, 'another hash');
  });

  test('private channel ids: t.me/c/ID, the Bot API -100ID and tg://privatepost are one key', () => {
    const keys = ['t.me/c/1234567890/55', '-1001234567890', 'tg://privatepost?channel=1234567890&post=4'].map(
      (s) => normaliseChannelLink(s)?.key,
    );
    assert.deepEqual(keys, ['tg:#1234567890', 'tg:#1234567890', 'tg:#1234567890']);
    assert.equal(normaliseChannelLink('t.me/c/1234567890/55')?.messageId, 55);
  });

  test('WhatsApp group invites, with or without /invite/, keep their code', () => {
    const code = 'AbCdEfGhIjKlMnOpQrSt12';
    for (const s of [
      `https://chat.whatsapp.com/${code}`,
      `chat.whatsapp.com/invite/${code}`,
      `chat.whatsapp.com/${code}/`,
    ]) {
      const ref = normaliseChannelLink(s);
      assert.equal(ref?.key, `wa:+${code}`, s);
      assert.equal(ref?.platform, 'whatsapp');
      assert.equal(ref?.link, `https://chat.whatsapp.com/${code}`);
    }
    assert.equal(
      normaliseChannelLink(`https://whatsapp.com/channel/0029VaFiktifChannel01`)?.key,
      'wa:channel/0029VaFiktifChannel01',
    );
  });

  test('anything else is not a channel', () => {
    for (const s of [
      'https://example.org/x',
      't.me/share',
      't.me/ab',
      '@ab',
      '1234567890',
      'hello',
      '',
      'x'.repeat(600),
    ]) {
      assert.equal(normaliseChannelLink(s), null, s);
    }
  });

  test('links in a description, in order, each chat once', () => {
    const text = 'backup: chat.whatsapp.com/AbCdEfGhIjKlMnOpQrSt12 then t.me/fiktif_backup and T.ME/Fiktif_Backup/3';
    assert.deepEqual(
      findChannelLinks(text).map((r) => r.key),
      ['wa:+AbCdEfGhIjKlMnOpQrSt12', 'tg:@fiktif_backup'],
    );
  });
});

describe('description signals and severity', () => {
  test('minors indicators in several languages and ages under 18', () => {
    assert.deepEqual(findMinorsIndicators('foto anak SMA di grup'), ['anak sma']);
    assert.deepEqual(findMinorsIndicators('여고생 딥페이크 방'), ['여고생']);
    assert.deepEqual(findMinorsIndicators('she is 15yo'), ['age 15']);
    assert.deepEqual(findMinorsIndicators('umur 16'), ['age 16']);
    assert.deepEqual(findMinorsIndicators('c h i l d'), ['child']);
    assert.deepEqual(findMinorsIndicators('kidding, she is 25 years old'), []);
  });

  test('personal data counts come from the shared text signals', () => {
    const s = describeTip('her number +44 7700 900123 and ig: @fiktif.person');
    assert.equal(s.phones, 1);
    assert.equal(s.handles, 1);
    assert.deepEqual(s.minors, []);
  });

  test('severity orders bank matches over minors over personal data over corroboration', () => {
    const base = { bankTier: 0, minors: false, personalData: false, tipCount: 1 };
    const csam = severityOf({ ...base, bankTier: 3 });
    const ncii = severityOf({ ...base, bankTier: 2 });
    const minorsEverything = severityOf({ ...base, minors: true, personalData: true, tipCount: 10_000 });
    const pd = severityOf({ ...base, personalData: true });
    const crowd = severityOf({ ...base, tipCount: 1_000_000 });
    assert.ok(csam > ncii && ncii > minorsEverything && minorsEverything > pd && pd > crowd);
    assert.equal(crowd, 9, 'corroboration is capped');
    assert.equal(severityOf(base), 0);
  });
});

describe('tip checks', () => {
  const shot = { pdq: 'a'.repeat(64), quality: 90, md5: null, sha256: null, bytes: null, bankMatches: [] };

  test('a tip needs a link or a screenshot; the description may carry the link', () => {
    assert.throws(() => prepareTip({ description: 'bad channel' }, []), CaseError);
    assert.equal(prepareTip({ description: 'see t.me/fiktif_channel' }, []).channel?.key, 'tg:@fiktif_channel');
    assert.equal(prepareTip({}, [shot]).channel, null);
    assert.throws(() => prepareTip({ link: 'https://example.org' }, [shot]), /not a Telegram or WhatsApp/);
  });

  test('anonymous tips refuse contact details; named tips need them', () => {
    assert.throws(() => prepareTip({ link: '@fiktif_channel', contact: 'me@example.org' }, []), /anonymous/);
    assert.throws(() => prepareTip({ kind: 'named', link: '@fiktif_channel' }, []), /needs contact/);
    const named = prepareTip({ kind: 'named', link: '@fiktif_channel', contact: ' me@example.org ' }, []);
    assert.equal(named.contact, 'me@example.org');
  });

  test('text is NFC without control characters or bidi overrides; oversized descriptions are refused', () => {
    assert.equal(cleanText('e\u0301\u0007 a\u202Eb\r\nc\t'), '\u00e9 ab\nc');
    assert.throws(() => prepareTip({ link: '@fiktif_channel', description: 'x'.repeat(4001) }, []), /too long/);
  });

  test('the global window allows max per window, then says when to retry', () => {
    let t = 0;
    const w = new FixedWindow(2, 60_000, () => t);
    assert.equal(w.take(), true);
    assert.equal(w.take(), true);
    t = 45_000;
    assert.deepEqual(w.take(), { retryAfterS: 15 });
    t = 60_000;
    assert.equal(w.take(), true);
  });
});
