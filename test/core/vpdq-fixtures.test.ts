/**
 * vPDQ text formats and matching against Meta's reference hash files
 * (../shared/fixtures/vpdq; skipped when absent, required under CI=true).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatVpdqText, matchVpdqBrute, parseVpdqText, type VpdqFeature } from '../../src/core/vpdq/index.js';
import { sharedFixtures } from '../support/env.js';

const fixtures = sharedFixtures('vpdq');
const hashDir = join(fixtures.dir, 'sample-hashes');

function load(name: string): VpdqFeature[] {
  return parseVpdqText(readFileSync(join(hashDir, `${name}.txt`), 'utf8'));
}

// Groups of the same footage (every frame hashed). The vpdq README's sample
// run shows the chair edits matching each other; these are the pairs that
// clear python-threatexchange's default threshold (query% >= 80) both ways.
const CHAIR = [
  'chair-19-sd-bar',
  'chair-20-sd-bar',
  'chair-22-sd-grey-bar',
  'chair-22-sd-sepia-bar',
  'chair-22-with-small-logo-bar',
  'chair-orig-22-sd-bar',
];
const PATTERN_SD = ['pattern-sd-grey-bar', 'pattern-sd-with-small-logo-bar'];
const PATTERN_HD = ['pattern-hd-no-bar', 'pattern-longer-no-bar'];
const CHAIR_NO_BAR = ['chair-orig-22-fhd-no-bar', 'chair-orig-22-hd-no-bar'];
const LONERS = [
  'chair-22-with-large-logo-bar',
  'pattern-sd-with-large-logo-bar',
  'doorknob-hd-no-bar',
  'test-padded-dimensions',
];
const GROUPS = [CHAIR, PATTERN_SD, PATTERN_HD, CHAIR_NO_BAR, ...LONERS.map((n) => [n])];

describe('vPDQ reference hash files', { skip: fixtures.skip }, () => {
  test('every sample-hashes file parses and re-prints byte for byte', () => {
    const files = readdirSync(hashDir).filter((f) => f.endsWith('.txt'));
    assert.ok(files.length >= 31, `expected the 31 reference files, found ${files.length}`);
    for (const file of files) {
      const text = readFileSync(join(hashDir, file), 'utf8');
      const features = parseVpdqText(text);
      assert.ok(features.length > 0, file);
      assert.equal(formatVpdqText(features), text, file);
    }
  });

  test('the python-threatexchange 1 fps expectation is every 30th frame of chair-20-sd-bar', () => {
    const expected = parseVpdqText(
      readFileSync(join(fixtures.dir, 'python-threatexchange-chair-20-sd-bar-1fps-expected.txt'), 'utf8'),
    );
    const everyFrame = load('chair-20-sd-bar');
    assert.equal(expected.length, 21);
    assert.deepEqual(
      expected.map((f) => f.hex),
      everyFrame.filter((f) => f.frameNumber % 30 === 0).map((f) => f.hex),
    );
    const r = matchVpdqBrute(expected, everyFrame);
    assert.equal(r.queryMatchPercent, 100);
    assert.equal(r.isMatch, true);
  });

  test('edits of the same footage match; different footage does not', (t) => {
    const all = GROUPS.flat();
    const hashes = new Map(all.map((n) => [n, load(n)]));
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue;
        const r = matchVpdqBrute(hashes.get(a)!, hashes.get(b)!);
        const same = GROUPS.some((g) => g.includes(a) && g.includes(b));
        if (same)
          t.diagnostic(`${a} vs ${b}: ${r.queryMatchPercent.toFixed(1)}% / ${r.compareMatchPercent.toFixed(1)}%`);
        assert.equal(r.isMatch, same, `${a} vs ${b}: ${r.queryMatchPercent}% / ${r.compareMatchPercent}%`);
        if (!same) assert.ok(r.queryMatchPercent < 20, `${a} vs ${b}: ${r.queryMatchPercent}%`);
      }
    }
  });
});
