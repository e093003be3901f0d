/** Notice templates and rendering (pure): every language and platform, reminders, hostile values. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cleanValue, type NoticeFields, renderNotice, takedownReference } from '../../src/actions/takedowns/notices.js';
import { loadTemplates, parseTemplate, TemplateError } from '../../src/actions/takedowns/templates.js';
import { TAKEDOWN_LANGUAGES, TAKEDOWN_PLATFORMS } from '../../src/db/schema-takedowns.js';

const templates = loadTemplates();

function fields(overrides: Partial<NoticeFields> = {}): NoticeFields {
  return {
    platform: 'telegram',
    host: 't.me',
    senderOrg: 'Helpline Seroja',
    contact: 'takedowns@helpline.example',
    takedownRef: takedownReference(42),
    caseReference: 'PS-2026-004217',
    legalBasis: 'UU No. 12/2022 (TPKS) Pasal 14',
    evidenceRef: 'capture 7f3a, log entry 1234',
    preserved: true,
    targetUrl: 'https://t.me/fictional_channel',
    targetDescription: 'a fictional channel',
    items: [
      { url: 'https://t.me/fictional_channel/101' },
      { chat: '@fictional_group', message_id: '55', description: 'second post' },
    ],
    noticeNumber: 1,
    firstSentAt: null,
    ...overrides,
  };
}

/** The subject's opening words in each language. */
const SUBJECT_START = {
  en: 'Removal request',
  id: 'Permintaan penghapusan',
  ms: 'Permintaan pemadaman',
  ko: '삭제 요청',
  zh: '删除请求',
  sq: 'Kërkesë për heqje',
} as const;

describe('templates', () => {
  test('every language has a template for every platform, marked for legal review', () => {
    for (const language of TAKEDOWN_LANGUAGES) {
      const t = templates.get(language);
      assert.ok(t, language);
      assert.ok(t._review && t._review.length > 20, `${language} carries its legal-review note`);
      for (const p of TAKEDOWN_PLATFORMS) assert.ok(t.platforms[p].greeting, `${language}/${p}`);
    }
  });

  test('a placeholder typo is refused when the template is loaded, not silently dropped', () => {
    const en = structuredClone(templates.get('en')!);
    en.body = [...en.body, 'Signed: {{sender_organisation}}'];
    assert.throws(() => parseTemplate(en, 'typo.json'), /unknown placeholder\(s\) \{\{sender_organisation\}\}/);
    assert.throws(() => parseTemplate({ language: 'fr' }, 'fr.json'), TemplateError);
  });

  test("an organisation's own wording replaces a language's template", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'perisai-templates-'));
    try {
      const own = { ...templates.get('en')!, subject: 'Our own subject {{takedown_ref}}' };
      await writeFile(join(dir, 'en.json'), JSON.stringify(own));
      const mine = loadTemplates([dir]);
      assert.equal(renderNotice(mine, 'en', fields()).subject, 'Our own subject TD-000042');
      assert.match(renderNotice(mine, 'ko', fields()).subject, /^삭제 요청/, 'other languages keep the shipped text');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('rendering', () => {
  test('each language × platform carries legal basis, evidence reference, items, sender and references', () => {
    for (const language of TAKEDOWN_LANGUAGES) {
      for (const platform of TAKEDOWN_PLATFORMS) {
        const host = platform === 'generic' ? 'fictional-host.example' : 't.me';
        const n = renderNotice(templates, language, fields({ platform, host }));
        const where = `${language}/${platform}`;
        assert.ok(n.subject.startsWith(SUBJECT_START[language]), `${where}: ${n.subject}`);
        assert.ok(n.subject.includes('TD-000042'), where);
        for (const part of [
          'UU No. 12/2022 (TPKS) Pasal 14',
          'capture 7f3a, log entry 1234',
          'https://t.me/fictional_channel/101',
          '@fictional_group',
          'Helpline Seroja',
          'PS-2026-004217',
          'takedowns@helpline.example',
        ]) {
          assert.ok(n.text.includes(part), `${where} lacks ${part}`);
        }
        assert.ok(n.html.includes(`<html lang="${language}">`), where);
        assert.ok(n.html.includes('https://t.me/fictional_channel/101'), where);
        assert.doesNotMatch(n.text, /\{\{|\}\}/, `${where}: no placeholder left`);
        if (platform === 'generic') assert.ok(n.text.split('\n')[0]!.includes(host), `${where} greets the host`);
      }
    }
  });

  test('lines without a value are left out; preservation is only claimed when true', () => {
    const n = renderNotice(templates, 'en', fields({ caseReference: null, evidenceRef: null, preserved: false }));
    assert.doesNotMatch(n.text, /Case reference/);
    assert.match(n.text, /Evidence reference: available on request/);
    assert.doesNotMatch(n.text, /preserved the evidence/);
    assert.doesNotMatch(n.text, /\n\n\n/, 'no double blank lines where lines were dropped');
    const kept = renderNotice(templates, 'en', fields());
    assert.match(kept.text, /We have preserved the evidence securely/);
  });

  test('a reminder says which notice it is and when the first went out', () => {
    const first = new Date('2026-03-02T09:00:00Z');
    const ko = renderNotice(templates, 'ko', fields({ noticeNumber: 3, firstSentAt: first }));
    assert.ok(ko.subject.startsWith('[재통지 3]'), ko.subject);
    assert.ok(ko.text.includes('2026-03-02 09:00 UTC'), ko.text);
    const en = renderNotice(templates, 'en', fields({ noticeNumber: 2, firstSentAt: first }));
    assert.match(en.subject, /^Reminder 2: /);
    assert.match(en.text, /This is reminder no\. 2 of our notice first sent on 2026-03-02 09:00 UTC/);
  });

  test('hostile values cannot add lines, headers, markup or placeholders', () => {
    const n = renderNotice(
      templates,
      'en',
      fields({
        platform: 'generic',
        host: 'evil.example\r\nBcc: victim@example.org',
        legalBasis: 'Section 1\r\nBcc: someone@example.org\u202Egnp.exe',
        items: [
          {
            url: 'https://evil.example/a',
            description: '<script>alert(1)</script>\n\nInjected paragraph {{sender_org}}',
          },
        ],
        targetDescription: 'line one\u2028line two',
      }),
    );
    assert.doesNotMatch(n.subject, /[\r\n]/);
    assert.doesNotMatch(n.text, /^Bcc:/m, 'no value starts a line of its own');
    assert.doesNotMatch(n.text, /^Injected paragraph/m);
    assert.ok(n.text.includes('Injected paragraph {{sender_org}}'), 'a value is never expanded as a template');
    assert.doesNotMatch(n.text, /\u202E|\u2028/);
    assert.doesNotMatch(n.html, /<script>/);
    assert.ok(n.html.includes('&#60;script&#62;'));
  });

  test('cleanValue collapses whitespace and cuts long values', () => {
    assert.equal(cleanValue('  a\t\tb\r\n c  '), 'a b c');
    assert.equal(cleanValue('x'.repeat(50), 10), `${'x'.repeat(9)}…`);
  });
});
