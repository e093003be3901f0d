/** Phone numbers: local formats, country inference, chat context, hard negatives. All numbers are fictional. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPhones, inferCountry, PhoneContext, rejectReason } from '../../src/signals/phones.js';

const e164 = (text: string, options = {}) => findPhones(text, options).map((p) => p.e164);

test('Indonesian local and international formats', () => {
  const id = { country: 'ID' };
  assert.deepEqual(e164('no hp 0812-3456-7890 ya', id), ['+6281234567890']);
  assert.deepEqual(e164('WA: 62813-1111-2222', id), ['+6281311112222']);
  assert.deepEqual(e164('wa 6281311112222', id), ['+6281311112222']);
  assert.deepEqual(e164('0857 0000 1111', id), ['+6285700001111']);
  assert.deepEqual(e164('0857.0000.1111', id), ['+6285700001111']);
  assert.deepEqual(e164('(021) 5555-6666', id), ['+622155556666']);
  assert.deepEqual(e164('kontak 0062 812 2222 3333', id), ['+6281222223333']);
});

test('Korean, Malaysian, Albanian, Chinese and Kosovar numbers', () => {
  assert.deepEqual(e164('010-1234-5678', { country: 'KR' }), ['+821012345678']);
  assert.deepEqual(e164('연락처 010.0000.1111로', { country: 'KR' }), ['+821000001111']);
  assert.deepEqual(e164('012-345 6789', { country: 'MY' }), ['+60123456789']);
  assert.deepEqual(e164('069 000 1111', { country: 'AL' }), ['+355690001111']);
  assert.deepEqual(e164('139 0000 1111', { country: 'CN' }), ['+8613900001111']);
  assert.deepEqual(e164('nr i saj +383 44 111 222'), ['+38344111222']);
});

test('each phone carries its region', () => {
  assert.deepEqual(findPhones('+62 812 3456 7890 / +82 10-9999-8888'), [
    { e164: '+6281234567890', country: 'ID' },
    { e164: '+821099998888', country: 'KR' },
  ]);
});

test("Ofcom's drama range is accepted although libphonenumber calls it invalid", () => {
  assert.deepEqual(findPhones('+44 7700 900123'), [{ e164: '+447700900123', country: 'GB' }]);
  assert.deepEqual(e164('07700 900456', { country: 'GB' }), ['+447700900456']);
  assert.deepEqual(e164('020 7946 0123', { country: 'GB' }), ['+442079460123']);
});

test('without a country only international numbers are found', () => {
  assert.deepEqual(e164('call 0812 3456 7890 or +62 813 1111 2222'), ['+6281311112222']);
});

test('country inference: explicit, then language, then chat context, then script', () => {
  const context = new PhoneContext();
  context.observe('MY');
  assert.equal(inferCountry('x', { country: 'kr', language: 'id', context }), 'KR');
  assert.equal(inferCountry('x', { language: 'id-ID', context }), 'ID');
  assert.equal(inferCountry('x', { language: 'ms' }), 'MY');
  assert.equal(inferCountry('x', { language: 'sq' }), 'AL');
  assert.equal(inferCountry('x', { language: 'zh-Hans' }), 'CN');
  assert.equal(inferCountry('x', { language: 'en', context }), 'MY', 'English implies no country');
  assert.equal(inferCountry('x', { language: 'en' }), undefined);
  assert.equal(inferCountry('이 여자 누구야', {}), 'KR');
  assert.equal(inferCountry('这是谁', {}), 'CN');
  assert.equal(inferCountry('x', { country: 'XX' }), undefined, 'unknown codes are ignored');
});

test('international numbers vote for the chat country; later local numbers use it', () => {
  const context = new PhoneContext();
  assert.deepEqual(e164('her wa +62 812 2222 3333', { language: 'en', context }), ['+6281222223333']);
  assert.deepEqual(context.counts(), { ID: 1 });
  assert.deepEqual(e164('or 0813 1111 2222', { language: 'en', context }), ['+6281311112222']);
  assert.deepEqual(context.counts(), { ID: 1 }, 'local numbers do not vote: they were read with the guess');
});

test('the most voted country wins; the first seen breaks a tie', () => {
  const context = new PhoneContext();
  for (const c of ['AL', 'XK', 'XK', 'AL']) context.observe(c);
  assert.equal(context.likelyCountry(), 'AL');
  context.observe('XK');
  assert.equal(context.likelyCountry(), 'XK');
  context.observe('ZZ');
  assert.equal(context.counts().ZZ, undefined);
});

test('hard negatives: prices, dates, times, years, orders, accounts, IDs', () => {
  const negatives: [string, string][] = [
    ['Rp 150.000', 'ID'],
    ['Total belanja Rp 1.250.000', 'ID'],
    ['$49.99', 'GB'],
    ['harga 081234567890rb', 'ID'],
    ['12/05/2024', 'ID'],
    ['2024-05-12', 'ID'],
    ['berlaku s/d 31-12-2024', 'ID'],
    ['tgl lahir 17-08-1995', 'ID'],
    ['jam 19.30', 'ID'],
    ['Tahun 2019', 'ID'],
    ['Order #1234567890', 'GB'],
    ['Order ID 0123456789 dah sampai', 'MY'],
    ['No. pesanan 2405121234567890', 'ID'],
    ['Nomor resi JNE 012345678901', 'ID'],
    ['Transfer ke rek BCA 1234567890', 'ID'],
    ['rek BCA 081234567890', 'ID'],
    ['NIK 3201234567890001', 'ID'],
    ['Meeting ID: 812 3456 7890', 'ID'],
    ['No. akaun Maybank 1122 3344 5566', 'MY'],
    ['계좌 110-123-456789', 'KR'],
    ['주문번호 2024051212345', 'KR'],
    ['택배 운송장 6012-3456-7890', 'KR'],
    ['订单号 202405121234567', 'CN'],
    ['银行卡号 6222 0000 1111 2222 333', 'CN'],
    ['Invoice INV-2024-000123', 'GB'],
    ['tracking JP1234567890123', 'ID'],
    ['kode A0812345678901', 'ID'],
  ];
  for (const [text, country] of negatives) assert.deepEqual(e164(text, { country }), [], text);
});

test('rejectReason names why a candidate is not a phone', () => {
  const text = 'order 0812345678 and Rp 081234567890 and x081234567890';
  assert.equal(rejectReason(text, 6, 16), 'labelled');
  assert.equal(rejectReason(text, 24, 36), 'price');
  assert.equal(rejectReason(text, 42, 54), 'identifier');
  assert.equal(rejectReason('31-12-2024', 0, 10), 'date');
  assert.equal(rejectReason('WA 081234567890', 3, 15), undefined);
});

test('the same number twice is reported once', () => {
  assert.deepEqual(e164('0812-3456-7890 / +62 812 3456 7890', { country: 'ID' }), ['+6281234567890']);
});
