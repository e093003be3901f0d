import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import type { MediaMatch, PersonalData } from '../../src/pipeline/assess.js';
import type { ReportFinding, ReportSummary } from '../../src/pipeline/report-data.js';
import { CSAM_PLACEHOLDER, excerpt, writeHtmlReport } from '../../src/pipeline/report-html.js';
import { blurredThumbnail, thumbnailOf } from '../../src/pipeline/thumbnail.js';

const HOSTILE_TEXT = `<script>alert(1)</script> "double" 'single' </style><img src=http://evil.example/x.png> & done`;
const HOSTILE_AUTHOR = `</style><script>alert("author")</script>`;
const HOSTILE_CHAT = `<b onmouseover="x()">Fictional chat</b>`;

let dir: string;
const files = { ncii: '', csam: '', corrupt: '', video: '' };

/**
 * A colourful 4-px checkerboard, bright on the left half and dark on the right:
 * fine edges and colour that a blurred greyscale thumbnail must lose, and a
 * coarse shape it must keep (so it is a preview of the image, not a grey square).
 */
function checkerboard(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const on = ((x >> 2) + (y >> 2) + seed) & 1;
      const level = x < width / 2 ? 1 : 0.25;
      const rgb = on ? [250, 230, 60] : [20, 40, 160];
      data.set(
        rgb.map((v) => Math.round(v * level)),
        (y * width + x) * 3,
      );
    }
  }
  return data;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'perisai-report-'));
  files.ncii = join(dir, 'ncii.jpg');
  files.csam = join(dir, 'csam.jpg');
  files.corrupt = join(dir, 'corrupt.jpg');
  files.video = join(dir, 'clip.mp4');
  await sharp(checkerboard(640, 480, 0), { raw: { width: 640, height: 480, channels: 3 } })
    .jpeg()
    .toFile(files.ncii);
  await sharp(checkerboard(320, 320, 1), { raw: { width: 320, height: 320, channels: 3 } })
    .jpeg()
    .toFile(files.csam);
  writeFileSync(files.corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
  writeFileSync(files.video, Buffer.concat([Buffer.from('000000186674797069736f6d', 'hex'), Buffer.alloc(200)]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function summary(findings: ReportSummary['findingsBySeverity']): ReportSummary {
  return {
    scanId: 7,
    source: 'telegram-export-json',
    location: '/exports/fictional',
    startedAt: new Date('2024-05-01T10:00:00Z'),
    finishedAt: new Date('2024-05-01T10:05:00Z'),
    chats: [
      { id: '-100123', name: HOSTILE_CHAT, messages: 1234 },
      { id: '-100456', name: null, messages: 56 },
    ],
    messages: 1290,
    media: { total: 321, hashed: 300, failed: 9, missing: 12 },
    matchesByBank: [
      { bank: 'NCII_TEST', category: 'ncii', matches: 17, messages: 15 },
      { bank: 'HOTLINE_HASHES', category: 'csam', matches: 3, messages: 2 },
    ],
    findingsBySeverity: findings,
    personalData: { phones: 41, emails: 5, handles: 8, locations: 2, telegramLinks: 13 },
    intent: { request_info: 6, offer_sale: 4 },
    topAuthors: [{ id: 'user777', name: HOSTILE_AUTHOR, messages: 88, findings: 19 }],
  };
}

const NO_PD: PersonalData = { phones: [], emails: [], handles: [], locations: [], telegram_links: [] };

function match(mediaId: string, bank: string, category: string, held = false): MediaMatch {
  return { mediaId, bank, bankId: 1, category, contentId: 9, signalType: 'pdq', distance: 12, caseRef: 'PS-1', held };
}

function finding(id: number, over: Partial<ReportFinding>): ReportFinding {
  return {
    id,
    severity: 'intent',
    chatId: '-100123',
    chatName: HOSTILE_CHAT,
    messageId: String(1000 + id),
    authorId: 'user777',
    authorName: HOSTILE_AUTHOR,
    sentAt: new Date(Date.UTC(2024, 3, 2, 3, 4, 5) + id * 1000),
    text: '',
    matches: [],
    personalData: NO_PD,
    intent: [],
    media: [],
    ...over,
  };
}

function sampleFindings(): ReportFinding[] {
  return [
    finding(1, {
      severity: 'doxxing',
      text: HOSTILE_TEXT,
      matches: [match('photo', 'NCII_TEST', 'ncii', true)],
      personalData: {
        phones: [{ e164: '+447700900123', country: 'GB' }],
        emails: ['someone@example.org'],
        handles: [{ platform: 'instagram', handle: 'fictional.person' }],
        locations: ['Jalan Fiktif 12'],
        telegram_links: ['t.me/fictional_channel'],
      },
      intent: ['request_info'],
      media: [{ mediaId: 'photo', type: 'photo', path: files.ncii, state: 'done' }],
    }),
    finding(2, {
      severity: 'match',
      matches: [match('photo', 'HOTLINE_HASHES', 'csam')],
      media: [{ mediaId: 'photo', type: 'photo', path: files.csam, state: 'done' }],
    }),
    finding(3, {
      severity: 'personal_data',
      personalData: { ...NO_PD, phones: [{ e164: '+447700900456', country: 'GB' }] },
      media: [
        { mediaId: 'video', type: 'video', path: files.video, state: 'done' },
        { mediaId: 'doc', type: 'document', path: files.corrupt, state: 'failed' },
        { mediaId: 'gone', type: 'photo', path: null, state: 'missing' },
      ],
    }),
    finding(4, { severity: 'intent', intent: ['offer_sale'], text: 'x'.repeat(1200) }),
  ];
}

async function* yieldAll<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** The HTML of one finding's article. */
function article(html: string, id: number): string {
  const start = html.indexOf(`<article class="finding sev-`, html.indexOf(`id="finding-${id}"`) - 60);
  assert.ok(start >= 0, `finding ${id} present`);
  return html.slice(start, html.indexOf('</article>', start));
}

/** Mean absolute difference between horizontal neighbours of a greyscale image: high when sharp. */
async function edginess(image: Sharp): Promise<number> {
  const { data, info } = await image.greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 1; x < info.width; x++) {
      const i = (y * info.width + x) * info.channels;
      sum += Math.abs(data[i]! - data[i - info.channels]!);
    }
  }
  return sum / (info.height * (info.width - 1));
}

describe('writeHtmlReport', () => {
  let html: string;
  const severities = { doxxing: 1, match: 1, personal_data: 1, intent: 1 };

  before(async () => {
    const out = join(dir, 'report.html');
    const result = await writeHtmlReport(out, summary(severities), yieldAll(sampleFindings()), {
      generatedAt: new Date('2024-05-02T08:09:10Z'),
    });
    assert.deepEqual(result, { findings: 4, leftOut: 0 });
    html = readFileSync(out, 'utf8');
  });

  test('is one self-contained document with a strict CSP and no outside resources', () => {
    assert.match(html, /^<!DOCTYPE html>/);
    assert.equal(html.match(/<html/g)?.length, 1);
    assert.match(html, /<\/html>\n$/);
    assert.ok(
      html.includes(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'`,
      ),
    );
    // Escaping turns hostile '<' into '&lt;', so every real tag here is the report's own.
    const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
    assert.ok(tags.length > 50);
    for (const tag of tags) {
      assert.doesNotMatch(
        tag,
        /https?:|^<(script|link|iframe|object|embed|base|form|meta http-equiv="refresh)\b/i,
        tag,
      );
      // Base64 holds no ':', '"' or '#': a reference is either an image in the file or an anchor in it.
      for (const [, value] of tag.matchAll(/\s(?:src|href|srcset|poster|action|data)="([^"]*)"/gi)) {
        assert.match(value!, /^(data:image\/jpeg;base64,[A-Za-z0-9+/=]+|#[\w-]+)$/, tag);
      }
      assert.doesNotMatch(tag, /\son[a-z]+=/i, tag);
    }
    for (const img of html.match(/<img [^>]*>/g) ?? []) assert.match(img, /src="data:image\/jpeg;base64,/);
    assert.doesNotMatch(html, /url\(|@import/i);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.partial')).length, 0);
  });

  test('escapes hostile text, names and chat names', () => {
    assert.equal(html.match(/<script/gi), null);
    assert.equal(html.match(/<\/style>/g)?.length, 1, 'only the report’s own </style>');
    assert.equal(html.match(/<b /g), null);
    assert.ok(
      html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &quot;double&quot; &#39;single&#39; &lt;/style&gt;'),
    );
    assert.ok(html.includes('&lt;img src=http://evil.example/x.png&gt; &amp; done'));
    assert.ok(html.includes('<bdi>&lt;/style&gt;&lt;script&gt;alert(&quot;author&quot;)&lt;/script&gt;</bdi>'));
    assert.ok(html.includes('&lt;b onmouseover=&quot;x()&quot;&gt;Fictional chat&lt;/b&gt;'));
  });

  test('shows the summary numbers', () => {
    const summaryHtml = html.slice(html.indexOf('id="summary"'), html.indexOf('id="findings"'));
    assert.ok(html.includes('<dt>Generated</dt><dd>2024-05-02T08:09:10.000Z</dd>'));
    assert.ok(html.includes('<code>/exports/fictional</code>'));
    for (const n of ['1,234', '1,290', '321', '300', '41', '13', '88', '19', '17']) {
      assert.ok(summaryHtml.includes(`<td class="n">${n}</td>`), `summary shows ${n}`);
    }
    assert.ok(summaryHtml.includes('<bdi>HOTLINE_HASHES</bdi></td><td>csam</td>'));
    assert.ok(summaryHtml.includes('<td>request_info</td><td class="n">6</td>'));
    assert.doesNotMatch(html, /left out/);
  });

  test('lists findings by severity, doxxing first, with their details', () => {
    const order = ['doxxing', 'match', 'personal_data', 'intent'].map((s) => html.indexOf(`id="severity-${s}"`));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.ok(order[0]! > html.indexOf('id="findings"'));
    const dox = article(html, 1);
    for (const part of [
      '<code>-100123</code>',
      '<code>1001</code>',
      '<code>user777</code>',
      '2024-04-02T03:04:06.000Z',
      '<bdi>NCII_TEST</bdi></td><td>ncii</td><td>pdq</td><td class="n">12</td>',
      'held for review',
      'phone <code>+447700900123</code> (GB)',
      'e-mail <code>someone@example.org</code>',
      'handle <code>instagram:fictional.person</code>',
      'location <bdi>Jalan Fiktif 12</bdi>',
      'Telegram link <code>t.me/fictional_channel</code>',
      '<span class="badge">request_info</span>',
    ]) {
      assert.ok(dox.includes(part), `finding 1 shows ${part}`);
    }
    const long = article(html, 4);
    assert.ok(long.includes(`${'x'.repeat(500)}<span class="muted"> … (700 more characters)`));
    assert.ok(!long.includes('x'.repeat(501)));
  });

  test('blurred greyscale thumbnail for the ncii item, never one for the csam item', async () => {
    const ncii = article(html, 1);
    const url = ncii.match(/src="data:image\/jpeg;base64,([A-Za-z0-9+/=]+)"/)?.[1];
    assert.ok(url, 'ncii item has a thumbnail');
    const thumb = Buffer.from(url, 'base64');
    const meta = await sharp(thumb).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.ok(meta.width! <= 160 && meta.height! <= 160, `${meta.width}x${meta.height}`);
    assert.equal(Math.max(meta.width!, meta.height!), 160);
    const { data, info } = await sharp(thumb).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i += info.channels) {
      for (let c = 1; c < info.channels; c++) assert.equal(data[i + c], data[i], 'all channels equal');
    }
    // The same resize without the blur keeps the checkerboard's edges; the thumbnail must not.
    const sharpEdges = await edginess(sharp(files.ncii).resize(160, 160, { fit: 'inside' }));
    const thumbEdges = await edginess(sharp(thumb));
    assert.ok(thumbEdges < sharpEdges / 4, `blurred: ${thumbEdges} vs ${sharpEdges}`);
    const { channels } = await sharp(thumb).stats();
    assert.ok(channels[0]!.stdev > 20, `the bright and dark halves still show (stdev ${channels[0]!.stdev})`);

    const csam = article(html, 2);
    assert.ok(!csam.includes('<img'), 'no image at all for child material');
    assert.ok(!csam.includes('data:'));
    assert.ok(csam.includes(`<div class="ph">${CSAM_PLACEHOLDER}</div>`));
  });

  test('placeholders for video, unreadable and missing media', () => {
    const media = article(html, 3);
    assert.ok(!media.includes('<img'));
    assert.ok(media.includes('<div class="ph">no thumbnail: video</div>'));
    assert.ok(media.includes('<div class="ph">unreadable</div>'));
    assert.ok(media.includes('<div class="ph">no thumbnail: not in the export</div>'));
  });
});

describe('writeHtmlReport with many findings', () => {
  test('streams 20,000 findings, writing the first maxFindings and saying how many were left out', async () => {
    const out = join(dir, 'big.html');
    let pulled = 0;
    let closed = false;
    let bytesWhilePulling = 0;
    async function* many(): AsyncGenerator<ReportFinding> {
      try {
        for (let i = 1; i <= 20_000; i++) {
          pulled = i;
          // Mid-way, what was yielded so far must already be on disk, not held in memory.
          if (i === 4000) bytesWhilePulling = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
          const severity = i <= 100 ? 'doxxing' : 'personal_data';
          yield finding(i, {
            severity,
            text: `fictional message ${i}`,
            matches: severity === 'doxxing' ? [match('photo', 'NCII_TEST', 'ncii')] : [],
            personalData: { ...NO_PD, phones: [{ e164: '+447700900789', country: 'GB' }] },
            media: [{ mediaId: 'photo', type: 'photo', path: files.ncii, state: 'done' }],
          });
        }
      } finally {
        closed = true;
      }
    }
    const before = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    const result = await writeHtmlReport(
      out,
      summary({ doxxing: 100, match: 0, personal_data: 19_900, intent: 0 }),
      many(),
      { thumbnails: false },
    );
    assert.deepEqual(result, { findings: 5000, leftOut: 15_000 });
    assert.ok(closed, 'the iterator was closed');
    assert.equal(pulled, 5001, 'nothing read past the limit');
    assert.ok(bytesWhilePulling - before > 1_000_000, `streamed ${bytesWhilePulling - before} bytes by finding 4000`);
    const html = readFileSync(out, 'utf8');
    assert.equal(html.match(/<article /g)?.length, 5000);
    assert.ok(html.includes('id="finding-5000"'));
    assert.ok(!html.includes('id="finding-5001"'));
    assert.ok(html.includes('15,000 of 20,000 findings were left out'));
    assert.ok(html.includes('<code>--json</code>) has them all'));
    assert.ok(html.includes('This report shows the 5,000 most severe findings.'));
    assert.equal(html.match(/<img/g), null, 'thumbnails off');
    assert.match(html, /<\/html>\n$/);
  });

  test('a report that cannot be written rejects and leaves nothing behind', async () => {
    const out = join(dir, 'no-such-folder', 'r.html');
    await assert.rejects(
      writeHtmlReport(out, summary({ doxxing: 0, match: 0, personal_data: 0, intent: 0 }), yieldAll([])),
      {
        code: 'ENOENT',
      },
    );
  });
});

describe('blurredThumbnail', () => {
  test('a data URL for an image, at most maxSide pixels', async () => {
    const url = await blurredThumbnail(files.csam, { maxSide: 64 });
    assert.ok(url?.startsWith('data:image/jpeg;base64,'));
    assert.ok(url);
    const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [64, 64, 1]);
  });

  test('null for missing, corrupt, video and oversized files, with the reason', async () => {
    assert.equal(await blurredThumbnail(join(dir, 'nope.jpg')), null);
    assert.equal(await blurredThumbnail(files.corrupt), null);
    assert.equal(await blurredThumbnail(files.video), null);
    assert.equal(await blurredThumbnail(dir), null);
    assert.deepEqual(await thumbnailOf(files.video), { placeholder: 'video' });
    assert.deepEqual(await thumbnailOf(files.corrupt), { placeholder: 'unreadable' });
    const heic = join(dir, 'broken.heic');
    writeFileSync(heic, Buffer.concat([Buffer.from('00000018', 'hex'), Buffer.from('ftypheic'), Buffer.alloc(100)]));
    assert.deepEqual(await thumbnailOf(heic), { placeholder: 'unreadable' });
    writeFileSync(join(dir, 'notes.txt'), 'plain text, not an image');
    assert.deepEqual(await thumbnailOf(join(dir, 'notes.txt')), { placeholder: 'not an image' });
    const tiny = { maxFileBytes: 100 * 1024 * 1024, maxPixels: 10_000 };
    assert.deepEqual(await thumbnailOf(files.ncii, { limits: tiny }), { placeholder: 'unreadable' });
    assert.deepEqual(await thumbnailOf(files.ncii, { limits: { maxFileBytes: 100, maxPixels: 1e8 } }), {
      placeholder: 'unreadable',
    });
  });
});

test('excerpt keeps whole code points and counts what it cut', () => {
  assert.deepEqual(excerpt('abc', 5), { text: 'abc', cut: 0 });
  assert.deepEqual(excerpt('😀😀😀', 2), { text: '😀😀', cut: 1 });
});
