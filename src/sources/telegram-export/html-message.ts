/**
 * One `div.message` of an HTML export → NormalizedMessage.
 *
 *   div.message.default[.joined]#message123
 *     div.body
 *       div.pull_right.date.details[title="15.01.2021 13:05:03 UTC+03:00"]
 *       div.from_name              (absent on "joined" messages: same sender as before)
 *       div.forwarded.body > div.from_name (+ span.date) … (a forward wraps the rest)
 *       div.reply_to > a[href="#go_to_message120"]
 *       div.media_wrap …           (see html-media.ts)
 *       div.text                   (see html-text.ts)
 *   div.message.service#message-3 > div.body.details  "15 January 2021"  (a day heading)
 *   div.message.service#message124 > div.body.details "Alice invited Bob" (no time at all)
 */
import type { AuthorRef, ChatRef, MediaRef, NormalizedMessage, SourceIssue } from '../types.js';
import { fixedZone, type LocalTime, localToUtcMs, parseDayHeading, parseHtmlTitle, type Zone } from './dates.js';
import { htmlMedia } from './html-media.js';
import type { Captured, HtmlNode } from './html-parse.js';
import { htmlServiceAction } from './html-service.js';
import { blockText, child, cls, find, messageText } from './html-text.js';
import { attachFile, imageMimeFromPath } from './media.js';

export interface HtmlContext {
  root: string;
  baseDir: string;
  /** Page file name, for locations and `raw`. */
  file: string;
  chat: ChatRef;
  zone: Zone;
  /** An IANA zone given by the user: titles are then read in it (correcting summer time). */
  ianaConfigured: boolean;
  report: (issue: SourceIssue) => void;
}

/** Carried from message to message (and page to page) within one chat. */
export interface HtmlState {
  author: AuthorRef | null;
  lastMs: number | null;
  lastOffsetMin: number | null;
  day: LocalTime | null;
}

export function newHtmlState(): HtmlState {
  return { author: null, lastMs: null, lastOffsetMin: null, day: null };
}

const NOTE_LABEL =
  'HTML export: wall-clock time read with the page\'s "UTC±hh:mm" label, which Telegram writes as the ' +
  'standard-time offset: during summer time the true instant is earlier (usually by 1 h). Configure an ' +
  'IANA timeZone to correct this, or prefer the JSON export (exact times).';
const NOTE_SERVICE =
  'HTML export gives service messages no time: this is a lower bound (the previous message, or the start of the day heading before it)';

export function htmlMessage(cap: Captured, state: HtmlState, ctx: HtmlContext): NormalizedMessage | null {
  const node = cap.node;
  const id = /^message(-?\d+)$/.exec(node.attrs.id ?? '')?.[1] ?? '';
  const location = `${ctx.file}: message ${id}`;
  if (cap.oversize) {
    ctx.report({ kind: 'limit', message: `message block of ${cap.oversize} characters skipped`, location });
    return null;
  }
  if (cap.unfinished) ctx.report({ kind: 'malformed', message: 'the page ends inside this message', location });
  if (node.classes.includes('service')) return serviceMessage(cap, id, state, ctx, location);
  const body = child(node, cls('body'));
  if (!body) {
    ctx.report({ kind: 'malformed', message: 'message without a body: skipped', location });
    return null;
  }
  const msg: NormalizedMessage = {
    source: 'telegram-export-html',
    chat: ctx.chat,
    messageId: id,
    author: author(node, body, state, ctx, location),
    ...messageDate(body, state, ctx, location),
    ...textOfMessage(body),
    media: htmlMedia(body, { root: ctx.root, baseDir: ctx.baseDir, location }, ctx.report),
    raw: { file: ctx.file, html: cap.raw },
  };
  forwardAndReply(msg, body);
  const call = find(body, cls('media_call'));
  if (call) {
    const status = blockText(find(call, cls('status')) ?? call);
    msg.service = { action: 'phone_call', actor: msg.author.name, details: { status } };
  }
  return msg;
}

const notForwarded = cls('forwarded');

function author(node: HtmlNode, body: HtmlNode, state: HtmlState, ctx: HtmlContext, location: string): AuthorRef {
  const from = child(body, cls('from_name'));
  if (from) {
    state.author = { id: null, name: senderName(from) };
  } else if (!node.classes.includes('joined') || !state.author) {
    ctx.report({ kind: 'malformed', message: 'no sender name', location });
    state.author = { id: null, name: null };
  }
  return { ...state.author! };
}

/** "Alice Example via @somebot" → "Alice Example"; a forward's header also holds a date span. */
function senderName(from: HtmlNode): string {
  return blockText(from, cls('date'))
    .replace(/\s+via @\w+$/, '')
    .trim();
}

function messageDate(body: HtmlNode, state: HtmlState, ctx: HtmlContext, location: string) {
  const el = find(body, (n) => n.classes.includes('date') && n.attrs.title !== undefined, notForwarded);
  const parsed = el ? parseHtmlTitle(el.attrs.title!) : null;
  if (!parsed) {
    ctx.report({ kind: 'malformed', message: `no readable date (title ${JSON.stringify(el?.attrs.title)})`, location });
    return approximate(state, ctx);
  }
  let ms: number;
  let dateNote: string;
  if (ctx.ianaConfigured || parsed.offsetMin === null) {
    ms = localToUtcMs(parsed.local, ctx.zone);
    dateNote =
      parsed.offsetMin === null
        ? `HTML export without an offset in its dates: wall-clock time read in ${zoneName(ctx.zone)}`
        : `HTML export: wall-clock time read in ${zoneName(ctx.zone)} as configured (the page's offset label ignores summer time)`;
  } else {
    ms = localToUtcMs(parsed.local, fixedZone(parsed.offsetMin));
    dateNote = NOTE_LABEL;
    state.lastOffsetMin = parsed.offsetMin;
  }
  state.lastMs = ms;
  return { date: new Date(ms), dateNote };
}

function zoneName(zone: Zone): string {
  return zone.kind === 'iana' ? zone.name : zone.label;
}

/** A time for what has none: the later of the previous message and the start of the current day heading. */
function approximate(state: HtmlState, ctx: HtmlContext): { date: Date; dateNote: string } {
  const dayZone = ctx.ianaConfigured || state.lastOffsetMin === null ? ctx.zone : fixedZone(state.lastOffsetMin);
  const dayMs = state.day ? localToUtcMs(state.day, dayZone) : null;
  const candidates = [state.lastMs, dayMs].filter((v): v is number => v !== null);
  if (candidates.length === 0) return { date: new Date(0), dateNote: 'no time known: set to the epoch' };
  return { date: new Date(Math.max(...candidates)), dateNote: NOTE_SERVICE };
}

function textOfMessage(body: HtmlNode) {
  const div = find(body, (n) => n.classes.includes('text') && n.name === 'div');
  return div ? messageText(div) : { text: '', entities: [] };
}

function forwardAndReply(msg: NormalizedMessage, body: HtmlNode): void {
  const fwd = find(body, cls('forwarded', 'body'));
  const fwdName = fwd ? child(fwd, cls('from_name')) : null;
  if (fwd) msg.forwardedFrom = fwdName ? senderName(fwdName) : null;
  const reply = find(body, cls('reply_to'));
  if (!reply) return;
  const link = find(reply, (n) => n.name === 'a');
  const target = /go_to_message(-?\d+)/.exec(link?.attrs.href ?? '')?.[1];
  msg.replyTo = target ?? null;
}

function serviceMessage(
  cap: Captured,
  id: string,
  state: HtmlState,
  ctx: HtmlContext,
  location: string,
): NormalizedMessage | null {
  const node = cap.node;
  const details = child(node, cls('body', 'details')) ?? node;
  const text = blockText(details);
  const day = id.startsWith('-') ? parseDayHeading(text) : null;
  if (day) {
    state.day = day;
    return null;
  }
  if (/not supported by this version of Telegram/i.test(text)) {
    ctx.report({ kind: 'unsupported', message: 'message not supported by the exporting app: skipped', location });
    return null;
  }
  // A service message breaks a run of joined messages.
  state.author = null;
  const { action, actor } = htmlServiceAction(text);
  const link = find(details, (n) => n.name === 'a' && /go_to_message/.test(n.attrs.href ?? ''));
  const target = /go_to_message(-?\d+)/.exec(link?.attrs.href ?? '')?.[1];
  return {
    source: 'telegram-export-html',
    chat: ctx.chat,
    messageId: id,
    author: { id: null, name: actor },
    ...approximate(state, ctx),
    service: { action, actor, details: target ? { text, message_id: Number(target) } : { text } },
    text: '',
    entities: [],
    media: servicePhoto(node, ctx, location),
    raw: { file: ctx.file, html: cap.raw },
  };
}

/** A new group photo (or a suggested profile photo) is linked from the service message. */
function servicePhoto(node: HtmlNode, ctx: HtmlContext, location: string): MediaRef[] {
  const href = find(node, (n) => n.name === 'a' && n.classes.includes('userpic_link'))?.attrs.href;
  if (!href) return [];
  const m: MediaRef = { id: 'photo', type: 'photo', mime: imageMimeFromPath(href), size: null };
  return [attachFile(m, href, { root: ctx.root, baseDir: ctx.baseDir, location }, ctx.report)];
}
