import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHex } from '../../../src/evidence/log/bytes.js';
import {
  boolean,
  children,
  contextTag,
  decodeBitString,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  decodeUtf8,
  encodeLength,
  integer,
  nullValue,
  octetString,
  oid,
  readDer,
  sequence,
  TAG,
  tlv,
} from '../../../src/evidence/log/der.js';

const hex = (bytes: Uint8Array) => toHex(bytes);
const unhex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));

describe('DER encoder', () => {
  test('lengths: short form below 128, long form with the fewest bytes above', () => {
    assert.equal(hex(encodeLength(0)), '00');
    assert.equal(hex(encodeLength(127)), '7f');
    assert.equal(hex(encodeLength(128)), '8180');
    assert.equal(hex(encodeLength(255)), '81ff');
    assert.equal(hex(encodeLength(256)), '820100');
    assert.equal(hex(encodeLength(65_536)), '83010000');
    assert.throws(() => encodeLength(-1));
  });

  test('integers are minimal two’s complement, with a zero byte before a set top bit', () => {
    assert.equal(hex(integer(0)), '020100');
    assert.equal(hex(integer(1)), '020101');
    assert.equal(hex(integer(127)), '02017f');
    assert.equal(hex(integer(128)), '02020080');
    assert.equal(hex(integer(256)), '02020100');
    assert.equal(hex(integer(0xffffffffffffffffn)), '020900ffffffffffffffff');
    assert.throws(() => integer(-1), /non-negative/);
  });

  test('object identifiers (X.690 §8.19)', () => {
    assert.equal(hex(oid('2.16.840.1.101.3.4.2.1')), '0609608648016503040201'); // SHA-256
    assert.equal(hex(oid('1.2.840.113549.1.9.16.1.4')), '060b2a864886f70d0109100104'); // id-ct-TSTInfo
    assert.equal(hex(oid('2.999.3')), '0603883703'); // first arc 2 allows a second arc >= 40
    for (const bad of ['1', '3.1', '1.40', '1.2.x', '']) assert.throws(() => oid(bad), /bad object identifier/, bad);
  });

  test('the simple types', () => {
    assert.equal(hex(boolean(true)), '0101ff');
    assert.equal(hex(boolean(false)), '010100');
    assert.equal(hex(nullValue()), '0500');
    assert.equal(hex(octetString(unhex('0102'))), '04020102');
    assert.equal(hex(sequence(integer(1), nullValue())), '3005020101 0500'.replace(' ', ''));
    const long = octetString(new Uint8Array(200));
    assert.equal(hex(long.subarray(0, 3)), '0481c8');
  });
});

describe('DER reader', () => {
  test('reads back what the encoder writes', () => {
    const der = sequence(integer(0x1234567890abcdefn), oid('2.16.840.1.101.3.4.2.1'), octetString(unhex('ff')));
    const [n, o, s] = children(readDer(der));
    assert.equal(decodeInteger(n!), 0x1234567890abcdefn);
    assert.equal(decodeOid(o!), '2.16.840.1.101.3.4.2.1');
    assert.equal(hex(s!.content), 'ff');
    assert.equal(s!.tag, TAG.OCTET_STRING);
    assert.equal(hex(readDer(der).bytes), hex(der));
    const big = octetString(new Uint8Array(300).fill(7));
    assert.equal(readDer(big).content.length, 300);
  });

  test('negative integers, strings, times and bit strings', () => {
    assert.equal(decodeInteger(readDer(unhex('0201ff'))), -1n);
    assert.equal(decodeInteger(readDer(unhex('02020080'))), 128n);
    assert.equal(decodeUtf8(readDer(tlv(TAG.UTF8_STRING, new TextEncoder().encode('Siti é')))), 'Siti é');
    const time = (text: string) =>
      decodeGeneralizedTime(readDer(tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(text))));
    assert.equal(time('20250102030405Z').toISOString(), '2025-01-02T03:04:05.000Z');
    assert.equal(time('20250102030405.25Z').toISOString(), '2025-01-02T03:04:05.250Z');
    assert.throws(() => time('20250102030405+0100'), /bad GeneralizedTime/);
    // failInfo badAlg (bit 0) and badDataFormat (bit 5): 0x84, 2 unused bits
    assert.deepEqual(decodeBitString(readDer(unhex('03020284'))), [0, 5]);
  });

  test('refuses truncated, indefinite, trailing and oversized input', () => {
    assert.throws(() => readDer(unhex('3005020101')), /truncated/);
    assert.throws(() => readDer(unhex('3080020101 0000'.replace(' ', ''))), /indefinite/);
    assert.throws(() => readDer(unhex('02010100')), /trailing/);
    assert.throws(() => readDer(unhex('0485ffffffffff')), /too long/);
    assert.throws(() => readDer(unhex('1f2a00')), /multi-byte tags/);
    assert.throws(() => readDer(unhex('')), /truncated/);
    assert.throws(() => children(readDer(unhex('020101'))), /not constructed/);
    // A child running past its parent's end.
    assert.throws(() => children(readDer(unhex('30030205010203'))), /trailing|truncated/);
    assert.throws(() => decodeInteger(readDer(unhex('0500'))), /expected tag 0x2/);
    assert.equal(contextTag(0), 0xa0);
  });
});
