/** Titles, forward sources, admins and keys as lineage reads them from each source's raw record. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adminEntry, forwardEntry } from '../../src/cases/lineage/extract.js';
import {
  accountKey,
  canonicalPeerId,
  channelAliases,
  channelKey,
  chatLocation,
  isChannelItself,
} from '../../src/cases/lineage/keys.js';
import { mergeEntries } from '../../src/cases/lineage/profile.js';
import { compareTitles, titleSkeleton } from '../../src/cases/lineage/title.js';

describe('title skeletons', () => {
  test('successor dressing is folded away: marks, emoji, digits, look-alikes, leetspeak, spacing, backup words', () => {
    for (const title of [
      'Albkings ✓',
      'albkings backup 2',
      'ALBKINGS2 🔥🔥',
      'Аlbkings', // Cyrillic А
      '4lbk1ngs official',
      'A l b k i n g s',
      'ＡＬＢＫＩＮＧＳ',
      'Albkings rezervë',
      'Albkings cadangan baru',
      'The new Albkings channel v2',
    ]) {
      assert.equal(titleSkeleton(title), 'albkings', title);
    }
  });

  test('similar titles score high, different ones low; a title of only such words keeps them', () => {
    assert.equal(compareTitles('Albkings ✓', 'albkings backup 2').score, 1);
    assert.ok(compareTitles('Albkings', 'Albking leaks').score > 0.4);
    assert.ok(compareTitles('Albkings', 'Mask Park').score < 0.1);
    assert.equal(titleSkeleton('New Channel'), 'newchannel');
    assert.equal(compareTitles(null, 'Albkings').score, 0);
  });
});

describe('forward sources', () => {
  test('Bot API: forward_origin of each type, and the older forward_from_chat / forward_sender_name', () => {
    assert.deepEqual(
      forwardEntry({
        forwardOrigin: { type: 'channel', chat: { id: -1009990001, title: 'Leaks A', username: 'LeaksA' } },
      }),
      { keys: ['tg:-1009990001', 'at:leaksa', 'name:leaks a'], label: 'Leaks A' },
    );
    assert.deepEqual(forwardEntry({ forwardOrigin: { type: 'hidden_user', sender_user_name: 'Hidden Name' } }), {
      keys: ['name:hidden name'],
      label: 'Hidden Name',
    });
    assert.deepEqual(
      forwardEntry({ forwardOrigin: { type: 'user', sender_user: { id: 42, first_name: 'Ana', last_name: 'B' } } })
        ?.keys,
      ['tg:42', 'name:ana b'],
    );
    assert.deepEqual(forwardEntry({ forwardFromChat: { id: -1009990001, title: 'Leaks A' } })?.keys, [
      'tg:-1009990001',
      'name:leaks a',
    ]);
    assert.equal(forwardEntry({ forwardSenderName: 'Someone' })?.label, 'Someone');
    assert.equal(forwardEntry({ forwardOrigin: { type: 'mystery' } }), null);
  });

  test('MTProto fwdFrom peers, Desktop JSON names and typed ids, Desktop HTML blocks', () => {
    assert.deepEqual(
      forwardEntry({
        fwdFrom: { className: 'MessageFwdHeader', fromId: { className: 'PeerChannel', channelId: '9990001' } },
      }),
      { keys: ['tg:-1009990001'], label: '-1009990001' },
    );
    assert.deepEqual(forwardEntry({ forwardedFrom: 'Leaks A', forwardedFromId: 'channel9990001' })?.keys, [
      'tg:-1009990001',
      'name:leaks a',
    ]);
    const html =
      '<div class="body"><div class="forwarded body"><div class="from_name">Leaks &amp; A <span class="date details">01.01.2026</span></div></div></div>';
    assert.deepEqual(forwardEntry({ html }), { keys: ['name:leaks a'], label: 'Leaks & A' });
    assert.equal(forwardEntry({ html: '<div class="text">no forward</div>' }), null);
    assert.equal(forwardEntry({}), null);
  });

  test('entries seen by id in one message and by name in another merge into one, most frequent first', () => {
    const merged = mergeEntries([
      { entry: { keys: ['name:leaks a'], label: 'Leaks A' }, count: 1 },
      { entry: { keys: ['tg:-1009990001', 'name:leaks a'], label: 'Leaks A' }, count: 2 },
      { entry: { keys: ['name:other'], label: 'Other' }, count: 1 },
    ]);
    assert.deepEqual(merged, [
      { keys: ['name:leaks a', 'tg:-1009990001'], label: 'Leaks A', count: 3 },
      { keys: ['name:other'], label: 'Other', count: 1 },
    ]);
  });
});

describe('admins', () => {
  const base = { chatType: 'supergroup', chatName: 'Albkings', authorId: 'user700001', authorName: 'Ardit' };

  test('admin-only actions in each source make an admin; ordinary group posts do not', () => {
    assert.deepEqual(adminEntry({ ...base, action: 'pin_message' })?.keys, ['tg:700001', 'name:ardit']);
    assert.equal(adminEntry({ ...base, action: 'invite_members' }), null, 'members may invite');
    assert.ok(adminEntry({ ...base, authorId: '700001', botAdminField: true }));
    assert.ok(adminEntry({ ...base, authorId: '700001', action: { className: 'MessageActionChatEditTitle' } }));
    assert.equal(adminEntry(base), null);
  });

  test('in a channel every poster is an admin; the channel posting under its own name names no one', () => {
    assert.deepEqual(adminEntry({ ...base, chatType: 'channel', authorId: null, authorName: 'Signed Ardit' })?.keys, [
      'name:signed ardit',
    ]);
    const self = adminEntry({ ...base, chatType: 'channel', authorId: 'channel1111111111', authorName: 'Albkings' });
    assert.deepEqual(self?.keys, ['tg:-1001111111111']);
    assert.equal(isChannelItself(self!.keys[0]!, 'telegram-export-json', '1111111111'), true);
  });
});

describe('channel and account keys', () => {
  test('one key per Telegram chat whichever source saw it, matching the tip cluster keys', () => {
    assert.equal(channelKey('telegram-bot', '-1001234567890'), 'tg:#1234567890');
    assert.equal(channelKey('telegram-export-json', '1234567890'), 'tg:#1234567890');
    assert.equal(channelKey('telegram-bot', '-4242'), 'tg:-4242');
    assert.equal(channelKey('whatsapp-export', 'Family group'), 'whatsapp-export:Family group');
    assert.deepEqual(chatLocation('tg:#1234567890'), { telegram: true, chatIds: ['1234567890', '-1001234567890'] });
    assert.deepEqual(chatLocation('whatsapp-export:Family group'), {
      telegram: false,
      source: 'whatsapp-export',
      chatId: 'Family group',
    });
    assert.equal(chatLocation('tg:@somename'), null);
    assert.deepEqual(channelAliases('telegram-bot', '-1001234567890').sort(), [
      '-1001234567890',
      '1234567890',
      'tg:#1234567890',
    ]);
  });

  test('peer ids in one form: typed export ids, marked ids, other sources kept', () => {
    assert.equal(canonicalPeerId('user42'), '42');
    assert.equal(canonicalPeerId('channel42'), '-10042');
    assert.equal(canonicalPeerId('chat42'), '-42');
    assert.equal(canonicalPeerId('Some Name'), null);
    assert.equal(accountKey('telegram-export-json', 'user42'), 'tg:42');
    assert.equal(accountKey('telegram-bot', '42'), 'tg:42');
    assert.equal(accountKey('whatsapp-export', '+44 7700 900123'), 'whatsapp-export:+44 7700 900123');
    assert.equal(accountKey('telegram-bot', null), null);
  });
});
