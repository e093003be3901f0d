/**
 * Telegram Desktop HTML export as a Source: messages.html, messages2.html, … of one chat
 * (read in numeric order), or every chats/<chat>/ folder of a full-account export.
 *
 * Pages are read as a stream (64 KiB at a time, see html-parse.ts): a page is never held
 * whole, only the message being read. Telegram splits pages at 1000 messages anyway.
 *
 * HTML carries less than JSON: no sender ids, no edit times, service messages without a
 * time, and dates whose offset label ignores summer time (see dates.ts). Prefer JSON.
 */
import { readdir, realpath } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ChatRef, NormalizedMessage, Source, SourceIssue } from '../types.js';
import { parseZone, type Zone } from './dates.js';
import { type HtmlContext, type HtmlState, htmlMessage, newHtmlState } from './html-message.js';
import { type Captured, HtmlMessageReader } from './html-parse.js';
import { blockText, cls, find } from './html-text.js';
import { checkMediaFiles } from './media.js';
import {
  ignoreIssues,
  type ResolvedOptions,
  resolveOptions,
  TelegramExportError,
  type TelegramExportOptions,
} from './options.js';
import { decodeFile } from './text-file.js';

export interface HtmlChat {
  /** Folder holding the pages. */
  dir: string;
  /** Chat id: HTML has no Telegram id, so the folder stands in ("ChatExport_2024-01-15", "chats/chat_003"). */
  id: string;
  /** messages.html, messages2.html, … in reading order. */
  pages: string[];
}

export class TelegramHtmlSource implements Source {
  readonly kind = 'telegram-export-html' as const;
  readonly root: string;
  private readonly options: ResolvedOptions;
  private readonly zone: Zone;

  constructor(root: string, options: TelegramExportOptions = {}) {
    this.root = resolve(root);
    this.options = resolveOptions(options);
    this.zone = parseZone(this.options.timeZone);
  }

  async *messages(onIssue: (issue: SourceIssue) => void = ignoreIssues): AsyncGenerator<NormalizedMessage> {
    const chats = await findHtmlChats(this.root);
    if (chats.length === 0) {
      throw new TelegramExportError(
        'no messages.html (nor chats/*/messages.html): not a Telegram HTML export',
        this.root,
      );
    }
    const realRoot = this.options.checkFiles ? await realpath(this.root) : this.root;
    for (const chat of chats) yield* this.chatMessages(chat, realRoot, onIssue);
  }

  private async *chatMessages(
    chat: HtmlChat,
    realRoot: string,
    report: (issue: SourceIssue) => void,
  ): AsyncGenerator<NormalizedMessage> {
    const state = newHtmlState();
    const named: { chat: ChatRef | null } = { chat: null };
    for (const page of chat.pages) {
      const ctx: HtmlContext = {
        root: this.root,
        baseDir: chat.dir,
        file: chat.dir === this.root ? page : `${chat.id}/${page}`,
        chat: named.chat ?? { id: chat.id, name: null, type: 'unknown' },
        zone: this.zone,
        ianaConfigured: this.zone.kind === 'iana',
        report,
      };
      const reader = new HtmlMessageReader(this.options.maxHtmlMessageChars);
      for await (const text of decodeFile(join(chat.dir, page))) {
        reader.feed(text);
        yield* this.blocks(reader.take(), { chat, named, state, ctx, realRoot });
      }
      reader.end();
      yield* this.blocks(reader.take(), { chat, named, state, ctx, realRoot });
    }
  }

  private async *blocks(
    caps: Captured[],
    p: { chat: HtmlChat; named: { chat: ChatRef | null }; state: HtmlState; ctx: HtmlContext; realRoot: string },
  ): AsyncGenerator<NormalizedMessage> {
    for (const cap of caps) {
      if (cap.node.classes.includes('page_header')) {
        // The chat name heads every page; the first one names the chat.
        p.named.chat ??= { id: p.chat.id, name: chatName(cap), type: 'unknown' };
        p.ctx.chat = p.named.chat;
        continue;
      }
      const msg = htmlMessage(cap, p.state, p.ctx);
      if (!msg) continue;
      if (this.options.checkFiles && msg.media.length > 0) {
        await checkMediaFiles(msg.media, p.realRoot, `${p.ctx.file}: message ${msg.messageId}`, p.ctx.report);
      }
      yield msg;
    }
  }
}

function chatName(cap: Captured): string | null {
  const el = find(cap.node, cls('text', 'bold'));
  const name = el ? blockText(el) : '';
  return name === '' ? null : name;
}

/** The chats of an HTML export folder: itself (single-chat export) or chats/* (full-account export). */
export async function findHtmlChats(root: string): Promise<HtmlChat[]> {
  const own = messagePages(await listDir(root));
  if (own.length > 0) return [{ dir: root, id: basename(root), pages: own }];
  const chatsDir = join(root, 'chats');
  const out: HtmlChat[] = [];
  for (const name of (await listDir(chatsDir)).sort()) {
    const dir = join(chatsDir, name);
    const pages = messagePages(await listDir(dir));
    if (pages.length > 0) out.push({ dir, id: `chats/${name}`, pages });
  }
  return out;
}

/** messages.html, messages2.html, … messages10.html: numeric order, not name order. */
export function messagePages(names: string[]): string[] {
  const pages: [number, string][] = [];
  for (const n of names) {
    const m = /^messages(\d*)\.html$/.exec(n);
    if (m) pages.push([m[1] ? Number(m[1]) : 1, n]);
  }
  return pages.sort((a, b) => a[0] - b[0]).map(([, n]) => n);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
}
