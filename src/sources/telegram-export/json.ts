/**
 * Telegram Desktop JSON export (result.json) as a Source: single-chat exports ("Export
 * chat history") and full-account exports ("Export Telegram data": chats.list and
 * left_chats.list), streamed — see json-read.ts.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ChatRef, NormalizedMessage, Source, SourceIssue } from '../types.js';
import { parseZone, type Zone } from './dates.js';
import { chatRef, type JsonContext, normalizeJsonRecord } from './json-message.js';
import { readRecords } from './json-read.js';
import type { ChatHeader } from './json-walker.js';
import { checkMediaFiles } from './media.js';
import { ignoreIssues, type ResolvedOptions, resolveOptions, type TelegramExportOptions } from './options.js';

export class TelegramJsonSource implements Source {
  readonly kind = 'telegram-export-json' as const;
  /** Absolute path of result.json. */
  readonly file: string;
  /** The export folder: media paths are relative to it and must stay inside it. */
  readonly root: string;
  private readonly options: ResolvedOptions;
  private readonly zone: Zone;
  private readonly zoneConfigured: boolean;

  constructor(file: string, options: TelegramExportOptions = {}) {
    this.file = resolve(file);
    this.root = dirname(this.file);
    this.options = resolveOptions(options);
    this.zone = parseZone(this.options.timeZone);
    this.zoneConfigured = options.timeZone !== undefined;
  }

  async *messages(onIssue: (issue: SourceIssue) => void = ignoreIssues): AsyncGenerator<NormalizedMessage> {
    const name = basename(this.file);
    const realRoot = this.options.checkFiles ? await realpath(this.root) : this.root;
    const ctx: JsonContext = {
      root: this.root,
      file: name,
      zone: this.zone,
      zoneConfigured: this.zoneConfigured,
      report: onIssue,
    };
    // Header objects are filled while the walk reads them; they are complete by the
    // first message, since Telegram writes name/type/id before "messages".
    const chats = new WeakMap<ChatHeader, ChatRef>();
    for await (const rec of readRecords(this.file, name, this.options.maxStringChars, onIssue)) {
      let chat = chats.get(rec.chat);
      if (!chat) {
        chat = chatRef(rec.chat);
        chats.set(rec.chat, chat);
      }
      const msg = normalizeJsonRecord(rec, chat, ctx);
      if (!msg) continue;
      if (this.options.checkFiles && msg.media.length > 0) {
        await checkMediaFiles(msg.media, realRoot, `${name}: ${rec.path} (id ${msg.messageId})`, onIssue);
      }
      yield msg;
    }
  }
}
