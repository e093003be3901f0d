/** E-mails, social-media handles and Telegram links. All people and accounts are fictional. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEmails } from '../../src/signals/emails.js';
import { findHandles } from '../../src/signals/handles.js';
import { normalizeForPii } from '../../src/signals/normalize.js';
import { findTelegramLinks } from '../../src/signals/telegram.js';

const handles = (text: string) => findHandles(normalizeForPii(text).text).map((h) => `${h.platform}:${h.handle}`);
const links = (text: string) => findTelegramLinks(normalizeForPii(text).text);

test('plain e-mail addresses, lowercased, without trailing punctuation', () => {
  assert.deepEqual(findEmails('contact: Jane.Fictional@Example.com.'), ['jane.fictional@example.com']);
  assert.deepEqual(findEmails('dewi.fiktif@example.co.id, sam+tag@example.org'), [
    'dewi.fiktif@example.co.id',
    'sam+tag@example.org',
  ]);
});

test('obfuscated e-mail addresses', () => {
  const cases: [string, string][] = [
    ['jane.doe (at) example [dot] com', 'jane.doe@example.com'],
    ['sam.sample [at] example.org', 'sam.sample@example.org'],
    ['sam.sample@example dot com', 'sam.sample@example.com'],
    ['sari {at} example (dot) org', 'sari@example.org'],
    ['lily dot fict at example dot com', 'lily.fict@example.com'],
    ['jane.doe at example.net', 'jane.doe@example.net'],
    ['name @ example.com', 'name@example.com'],
  ];
  for (const [text, address] of cases) assert.deepEqual(findEmails(text), [address], text);
});

test('sentences and mentions are not e-mail addresses', () => {
  for (const text of [
    'meet at home.now',
    'meet me at example.com later',
    'ig @jess.fictional_01',
    'IG nya @dewi.fiktif',
    'see you at school dot then',
    'x (at) y (dot) zzzz',
  ])
    assert.deepEqual(findEmails(text), [], text);
});

test('a refused match does not hide an address that overlaps it', () => {
  assert.deepEqual(findEmails('email her at jane.doe (at) example [dot] com'), ['jane.doe@example.com']);
});

test('profile links of each platform', () => {
  assert.deepEqual(
    handles(
      'instagram.com/Jess.Fictional_01/ https://www.tiktok.com/@amy.example99 snapchat.com/add/amy_snap22 ' +
        'facebook.com/amy.fictional.5 https://x.com/Amy_Fict_22 twitter.com/amy_old/status/1 ' +
        'open.kakao.com/o/sAbCdEf1 line.me/ti/p/~Amy_Line line.me/R/ti/p/@amyshop',
    ),
    [
      'instagram:jess.fictional_01',
      'tiktok:amy.example99',
      'snapchat:amy_snap22',
      'facebook:amy.fictional.5',
      'x:amy_fict_22',
      'x:amy_old',
      'kakaotalk:o/sAbCdEf1',
      'line:amy_line',
      'line:amyshop',
    ],
  );
});

test('links that are not profiles are skipped', () => {
  assert.deepEqual(handles('https://www.instagram.com/p/Cxyz123abc/ instagram.com/reel/Abc'), []);
  assert.deepEqual(handles('facebook.com/groups/fictionalgroup x.com/i/flow twitter.com/search?q=x'), []);
  assert.deepEqual(handles('netflix.com/title123 wix.com/abc'), [], 'x.com inside another domain');
  assert.deepEqual(handles('facebook.com/profile.php?id=100000000000001'), ['facebook:100000000000001']);
});

test('labelled mentions in several languages', () => {
  const cases: [string, string[]][] = [
    ['her ig: @jess.fictional_01', ['instagram:jess.fictional_01']],
    ['IG nya @dewi.fiktif', ['instagram:dewi.fiktif']],
    ['IG-nya: dewi.fiktif', ['instagram:dewi.fiktif']],
    ['tiktok @sari.contoh99', ['tiktok:sari.contoh99']],
    ['akun tiktoknya: sari_contoh', ['tiktok:sari_contoh']],
    ['snap: amy_snap22', ['snapchat:amy_snap22']],
    ['twitter: @fictional_amy', ['x:fictional_amy']],
    ['X: @fictional_amy', ['x:fictional_amy']],
    ['kakao id: jess_kakao01', ['kakaotalk:jess_kakao01']],
    ['카톡 아이디: gasang77', ['kakaotalk:gasang77']],
    ['인스타: @gasang.kim', ['instagram:gasang.kim']],
    ['wechat: amyfict2024', ['wechat:amyfict2024']],
    ['wx: fake_user_001', ['wechat:fake_user_001']],
    ['微信: zhang_jiaming88', ['wechat:zhang_jiaming88']],
    ['line id: amy_line_77', ['line:amy_line_77']],
    ['LINE: xiaoyu_tw', ['line:xiaoyu_tw']],
    ['Insta e saj: @blerta.shembull', ['instagram:blerta.shembull']],
    ['ig @jess.fictional_01 and snap @jess_snaps_01.', ['instagram:jess.fictional_01', 'snapchat:jess_snaps_01']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(handles(text), expected, text);
});

test('no handle without a platform cue, a separator or an "@"', () => {
  for (const text of [
    'thanks @mod_bot for the help',
    'snap nya apa? ada yg punya?',
    'anyone got her snap or number?',
    'cek ig dia aja',
    '微信号多少？',
    'the first line: hello',
    'Facebook: Dewi Fiktif',
    'x @someone',
    '抖音 @demo_douyin',
  ])
    assert.deepEqual(handles(text), [], text);
});

test('a cue followed by a URL yields the URL handle once', () => {
  assert.deepEqual(handles('Instagram: instagram.com/jess.fictional_01/'), ['instagram:jess.fictional_01']);
  assert.deepEqual(handles('her tiktok is tiktok.com/@amy.example99'), ['tiktok:amy.example99']);
});

test('Telegram links are normalized', () => {
  assert.deepEqual(
    links(
      't.me/Backup_Channel_Demo https://telegram.me/backup_channel_demo t.me/s/fictional_news ' +
        'https://t.me/backup_channel_demo/1234 t.me/contohbot?start=abc telegram.dog/dog_demo',
    ),
    [
      'https://t.me/backup_channel_demo',
      'https://t.me/fictional_news',
      'https://t.me/backup_channel_demo/1234',
      'https://t.me/contohbot',
      'https://t.me/dog_demo',
    ],
  );
});

test('Telegram invite and deep links', () => {
  assert.deepEqual(
    links(
      'https://t.me/+AbCdEfGh123456 telegram.me/joinchat/QwErTy0987654321 tg://join?invite=ZyXwVu12345678 ' +
        'tg://resolve?domain=FictionalLeaks tg://resolve?domain=fictionalleaks&post=7 t.me/c/1234567890/55',
    ),
    [
      'https://t.me/+AbCdEfGh123456',
      'https://t.me/+QwErTy0987654321',
      'https://t.me/+ZyXwVu12345678',
      'https://t.me/fictionalleaks',
      'https://t.me/fictionalleaks/7',
      'https://t.me/c/1234567890/55',
    ],
  );
});

test('look-alike letters do not hide a Telegram link', () => {
  assert.deepEqual(links('backup at t.m\u0435/backup_demo_two now'), ['https://t.me/backup_demo_two']);
});

test('Telegram feature paths, short names and other domains are not chats', () => {
  assert.deepEqual(links('t.me/share/url?url=x t.me/addstickers/Pack t.me/abc t.me/+short gt.me/abcdef'), []);
});
