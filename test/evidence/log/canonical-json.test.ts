import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHex } from '../../../src/evidence/log/bytes.js';
import { CanonicalJsonError, canonicalJson, canonicalJsonBytes } from '../../../src/evidence/log/canonical-json.js';
import { evidenceLeafData, evidenceLeafHash } from '../../../src/evidence/log/leaf.js';
import { sha256 } from '../../../src/evidence/log/node-sha256.js';

describe('canonical JSON', () => {
  test('sorts keys at every depth and leaves out whitespace', () => {
    const a = { z: 1, a: { y: [3, { d: true, c: null }], b: 'x' } };
    const b = { a: { b: 'x', y: [3, { c: null, d: true }] }, z: 1 };
    assert.equal(canonicalJson(a), '{"a":{"b":"x","y":[3,{"c":null,"d":true}]},"z":1}');
    assert.equal(canonicalJson(b), canonicalJson(a));
  });

  test('orders keys by UTF-16 code units (RFC 8785), not by code point or locale', () => {
    // U+1F600 is the surrogate pair D83D DE00, so by UTF-16 code units it sorts before
    // U+FB01 (0xD83D < 0xFB01), although by code point it would sort after it.
    const value = { '\uFB01': 1, '😀': 2, '€': 3, B: 4, a: 5, '': 6 };
    assert.equal(canonicalJson(value), '{"":6,"B":4,"a":5,"€":3,"😀":2,"ﬁ":1}');
  });

  test('numbers and strings print as RFC 8785 asks', () => {
    assert.equal(
      canonicalJson([0, -0, 1e21, 1e-7, 0.1 + 0.2, -5.5, 2 ** 53]),
      '[0,0,1e+21,1e-7,0.30000000000000004,-5.5,9007199254740992]',
    );
    assert.equal(canonicalJson('a"b\\c\n\u0001 é 😀'), '"a\\"b\\\\c\\n\\u0001 é 😀"');
    assert.equal(toHex(canonicalJsonBytes({ é: 'é' })), toHex(new TextEncoder().encode('{"é":"é"}')));
  });

  test('round-trips through JSON.parse unchanged', () => {
    const value = { case: 'PRS-0001', sizes: [1, 2.5, -3e-9], nested: { ok: false, none: null, text: 'Siti 😀' } };
    const text = canonicalJson(value);
    assert.equal(canonicalJson(JSON.parse(text)), text);
  });

  test('refuses what JSON.stringify would drop or change', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [unknown, RegExp][] = [
      [{ a: undefined }, /\$\.a: a undefined is not JSON/],
      [[1, () => 1], /\$\[1\]: a function/],
      [{ n: Number.NaN }, /\$\.n: NaN/],
      [Number.POSITIVE_INFINITY, /Infinity/],
      [{ big: 1n }, /bigint/],
      [{ at: new Date(0) }, /\$\.at: a Date is not plain JSON/],
      [{ bytes: Buffer.from('x') }, /a Buffer/],
      [new Map(), /a Map/],
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      [[1, , 3], /\$\[1\]: array hole/],
      [cyclic, /\$\.self: cycle/],
      [{ s: 'a\uD800b' }, /\$\.s: string is not well-formed Unicode/],
      [{ '\uDC00': 1 }, /not well-formed Unicode/],
    ];
    for (const [value, message] of cases) assert.throws(() => canonicalJson(value), message);
    assert.throws(() => canonicalJson(Symbol('x')), CanonicalJsonError);
    // A shared (non-cyclic) reference is fine.
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
    assert.equal(canonicalJson(Object.create(null)), '{}');
  });
});

describe('evidence log leaves', () => {
  test('leaf data is the canonical {kind, payload}; the hash is RFC 6962 leaf hash', () => {
    const payload = { sha256: 'ab'.repeat(32), capturedAt: '2025-01-02T03:04:05.000Z', caseRef: 'PRS-0001' };
    const data = evidenceLeafData('capture.record', payload);
    assert.equal(
      new TextDecoder().decode(data),
      `{"kind":"capture.record","payload":{"capturedAt":"2025-01-02T03:04:05.000Z","caseRef":"PRS-0001","sha256":"${'ab'.repeat(32)}"}}`,
    );
    const expected = sha256(Buffer.concat([Buffer.of(0), data]));
    assert.equal(toHex(evidenceLeafHash(sha256, 'capture.record', payload)), toHex(expected));
  });

  test('kinds are short dotted lowercase names', () => {
    for (const kind of ['capture.record', 'custody.transfer', 'vault_key.rotated']) evidenceLeafData(kind, {});
    for (const kind of ['', 'Capture', 'a..b', '.a', 'a.', 'a b', 'x'.repeat(101)]) {
      assert.throws(() => evidenceLeafData(kind, {}), /must be like "capture.record"/, kind);
    }
  });
});
