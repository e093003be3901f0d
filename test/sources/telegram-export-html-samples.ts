/**
 * HTML exports written by the tests, laid out the way Telegram Desktop writes its pages
 * (every block tag on its own line, indented by depth; text lines unindented; newlines in
 * messages as <br>). Fictional people and +44 7700 900xxx numbers.
 */

type Child = string | Block;
interface Block {
  tag: string;
  attrs: Record<string, string>;
  children: Child[];
}

export const el = (tag: string, attrs: Record<string, string>, ...children: Child[]): Block => ({
  tag,
  attrs,
  children,
});
export const div = (cls: string, ...children: Child[]): Block => el('div', { class: cls }, ...children);

function render(b: Block, depth: number): string {
  const indent = ' '.repeat(depth);
  const attrs = Object.entries(b.attrs)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  if (b.tag === 'img') return `\n${indent}<img${attrs}/>\n`;
  const inner = b.children.map((c) => (typeof c === 'string' ? c : render(c, depth + 1))).join('');
  return `\n${indent}<${b.tag}${attrs}>\n${inner}\n${indent}</${b.tag}>\n`;
}

export function page(chatName: string, blocks: Block[], depth = 0): string {
  const history = div('history', ...blocks);
  const body = el(
    'body',
    { onload: 'CheckLocation();' },
    div(
      'page_wrap',
      div('page_header', div('content', div('text bold', chatName))),
      div('page_body chat_page', history),
    ),
  );
  const head =
    '<head>\n  <meta charset="utf-8"/>\n<title>Exported Data</title>\n  <link href="css/style.css" rel="stylesheet"/>\n' +
    '  <script src="js/script.js" type="text/javascript">\n\n  </script>\n </head>';
  return `<!DOCTYPE html>\n<html>\n ${head}\n${render(body, depth + 1)}\n</html>\n`;
}

export const dayHeading = (n: number, text: string) =>
  el('div', { class: 'message service', id: `message-${n}` }, div('body details', text));

export const service = (id: number, html: string, ...extra: Child[]) =>
  el('div', { class: 'message service', id: `message${id}` }, div('body details', html), ...extra);

export interface MessageSpec {
  id: number;
  title: string;
  /** Sender shown (omitted for joined messages). */
  from?: string;
  joined?: boolean;
  parts?: Child[];
}

export function message(spec: MessageSpec): Block {
  const cls = spec.joined ? 'message default clearfix joined' : 'message default clearfix';
  const body: Child[] = [el('div', { class: 'pull_right date details', title: spec.title }, spec.title.slice(11, 16))];
  if (spec.from !== undefined) body.push(div('from_name', `${spec.from} `));
  body.push(...(spec.parts ?? []));
  const userpic = spec.joined ? [] : [div('pull_left userpic_wrap', div('userpic userpic2', div('initials', 'A')))];
  return el('div', { class: cls, id: `message${spec.id}` }, ...userpic, div('body', ...body));
}

export const text = (html: string) => div('text', html);
export const mediaWrap = (...children: Child[]) => div('media_wrap clearfix', ...children);

export const photoWrap = (href: string) =>
  mediaWrap(
    el(
      'a',
      { class: 'photo_wrap clearfix pull_left', href },
      el('img', { class: 'photo', src: `${href}_thumb.jpg`, style: 'width: 260px; height: 195px' }),
    ),
  );

export function genericMedia(
  kind: string,
  o: { href?: string; title: string; description?: string; status: string },
): Block {
  const inner: Child[] = [div('fill pull_left'), div('body', div('title bold', o.title))];
  const body = inner[1] as Block;
  if (o.description) body.children.push(div('description', o.description));
  body.children.push(div('status details', o.status));
  const block = o.href
    ? el('a', { class: `media clearfix pull_left block_link ${kind}`, href: o.href }, ...inner)
    : div(`media clearfix pull_left ${kind}`, ...inner);
  return mediaWrap(block);
}

export const NOT_INCLUDED_HTML = 'Not included, change data exporting settings to download.';

/** Page 1 of a two-page single-chat HTML export. */
export function htmlPage1(): string {
  return page('Kenanga Residents', [
    dayHeading(1, '15 January 2021'),
    service(1, 'Ayu Lestari created group &laquo;Kenanga Residents&raquo;'),
    message({
      id: 2,
      title: '15.01.2021 13:05:03 UTC+03:00',
      from: 'Ayu Lestari',
      parts: [
        text(
          'Hello &amp; <strong>welcome</strong><br>call <a href="tel:+447700900123">+447700900123</a> or ' +
            '<a href="https://example.org/">https://example.org/</a> &quot;quoted&quot; <a href="https://example.org/rules">rules</a> ' +
            '<a href="https://t.me/budi_s">@budi_s</a> <a href="" onclick="return ShowHashtag(&quot;kenanga&quot;)">#kenanga</a>',
        ),
      ],
    }),
    message({
      id: 3,
      title: '15.01.2021 13:05:10 UTC+03:00',
      joined: true,
      parts: [photoWrap('photos/photo_1@15-01-2021_13-05-10.jpg'), text('caption')],
    }),
    message({
      id: 4,
      title: '15.01.2021 13:07:00 UTC+03:00',
      from: 'Budi Santoso via @gif',
      parts: [
        div(
          'reply_to details',
          'In reply to <a href="#go_to_message2" onclick="return GoToMessage(2)">this message</a>',
        ),
        genericMedia('media_voice_message', {
          href: 'voice_messages/audio_1@15-01-2021_13-07-00.ogg',
          title: 'Voice message',
          status: '00:02, 18.5 KB',
        }),
      ],
    }),
    message({
      id: 5,
      title: '15.01.2021 13:08:00 UTC+03:00',
      joined: true,
      parts: [
        genericMedia('media_video', { title: 'Video file', description: NOT_INCLUDED_HTML, status: '00:31, 4.2 MB' }),
      ],
    }),
    message({
      id: 6,
      title: '15.01.2021 13:09:00 UTC+03:00',
      from: 'Citra Dewi',
      parts: [
        div('pull_left forwarded userpic_wrap', div('userpic userpic3', div('initials', 'D'))),
        div(
          'forwarded body',
          div(
            'from_name',
            'Dewi Anggraini <span class="date details" title="14.01.2021 08:00:00 UTC+03:00"> 14.01.2021 08:00:00</span>',
          ),
          text('forwarded text'),
        ),
      ],
    }),
    message({
      id: 7,
      title: '15.01.2021 13:10:00 UTC+03:00',
      from: 'Ayu Lestari',
      parts: [
        mediaWrap(
          el(
            'a',
            { class: 'sticker_wrap clearfix pull_left', href: 'stickers/sticker.webp' },
            el('img', { class: 'sticker', src: 'stickers/sticker.webp_thumb.png' }),
          ),
        ),
      ],
    }),
    message({
      id: 8,
      title: '15.01.2021 13:11:00 UTC+03:00',
      joined: true,
      parts: [
        mediaWrap(
          el(
            'a',
            { class: 'video_file_wrap clearfix pull_left', href: 'video_files/video_1.mp4' },
            div('video_play_bg', div('video_play')),
            div('video_duration', '00:05'),
            el('img', { class: 'video_file', src: 'video_files/video_1.mp4_thumb.jpg' }),
          ),
        ),
      ],
    }),
    message({
      id: 9,
      title: '15.01.2021 13:12:00 UTC+03:00',
      joined: true,
      parts: [genericMedia('media_file', { href: 'files/report.pdf', title: 'report.pdf', status: '120.5 KB' })],
    }),
    message({ id: 10, title: '15.01.2021 13:13:00 UTC+03:00', joined: true, parts: [photoWrap('../../outside.jpg')] }),
    message({
      id: -999999990,
      title: '15.01.2021 13:14:00 UTC+03:00',
      from: 'Budi Santoso',
      parts: [text('from the old group')],
    }),
  ]);
}

/** Page 2: starts a new day; a joined run, a pin, a missing photo, a call, a deleted account. */
export function htmlPage2(): string {
  return page('Kenanga Residents', [
    dayHeading(2, '16 January 2021'),
    message({ id: 12, title: '16.01.2021 09:00:00 UTC+03:00', from: 'Budi Santoso', parts: [text('morning')] }),
    message({ id: 13, title: '16.01.2021 09:00:30 UTC+03:00', joined: true, parts: [text('line one<br>line two')] }),
    service(14, 'Budi Santoso pinned <a href="messages.html#go_to_message2">this message</a>'),
    message({
      id: 15,
      title: '16.01.2021 09:05:00 UTC+03:00',
      from: 'Deleted Account',
      parts: [
        genericMedia('media_photo', { title: 'Photo', description: NOT_INCLUDED_HTML, status: '800x600, 32.1 KB' }),
      ],
    }),
    message({
      id: 16,
      title: '16.01.2021 09:06:00 UTC+03:00',
      from: 'Ayu Lestari',
      parts: [genericMedia('media_call', { title: 'Budi Santoso', status: 'Outgoing (12 seconds)' })],
    }),
    service(17, 'Ayu Lestari invited Eko Prasetyo'),
  ]);
}

export const HTML_MEDIA_FILES = [
  'photos/photo_1@15-01-2021_13-05-10.jpg',
  'voice_messages/audio_1@15-01-2021_13-07-00.ogg',
  'stickers/sticker.webp',
  'video_files/video_1.mp4',
  'video_files/video_1.mp4_thumb.jpg',
  'files/report.pdf',
];
