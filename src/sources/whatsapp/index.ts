/**
 * WhatsApp "Export chat" → normalized messages. Accepts the chat .txt on its own (media
 * looked up next to it), an unzipped export folder, or the export .zip.
 *
 * Each `messages()` call reads the chat text twice, streaming both times: once to learn
 * the file's date format, author names and chat name (nothing can be yielded before the
 * day/month order is known), then to yield messages.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ChatRef, NormalizedMessage, Source, SourceIssue } from '../types.js';
import type { DateFormat } from './date-format.js';
import { linesOf, splitLines } from './lines.js';
import { folderMedia, type MediaStore } from './media.js';
import { MessageBuilder } from './message.js';
import {
  chatNameFromFile,
  dateNoteOf,
  type ResolvedOptions,
  resolveOptions,
  WhatsAppExportError,
  type WhatsAppExportOptions,
} from './options.js';
import { ChatSurvey, classify, RecordSplitter } from './parse.js';
import { WhatsAppZip, zipMedia } from './zip.js';

export type { DateFormat, DateOrder } from './date-format.js';
export type { WhatsAppExportOptions } from './options.js';
export { WhatsAppExportError } from './options.js';
export type { ZipLimits } from './zip.js';
export { DEFAULT_ZIP_LIMITS } from './zip.js';

export interface WhatsAppExport extends Source {
  readonly kind: 'whatsapp-export';
  readonly path: string;
  readonly container: 'text' | 'folder' | 'zip';
  /** The date format found by the last `messages()` scan (null before one). */
  readonly format: DateFormat | null;
  /** The chat, as found by the last scan. */
  readonly chat: ChatRef | null;
  /** Zip exports with `extractDir`: the folder the media went into. */
  extractedTo(): string | null;
}

/** One opened chat text: a fresh byte stream per pass, and where its media are. */
interface ChatInput {
  fileName: string;
  /** Name of the zip or folder holding it, for the chat name. */
  containerName: string | null;
  bytes(): Promise<AsyncIterable<Uint8Array>>;
  media: MediaStore;
  extractedTo(): string | null;
}

type Report = (issue: SourceIssue) => void;

export async function openWhatsAppExport(path: string, options: WhatsAppExportOptions = {}): Promise<WhatsAppExport> {
  const o = resolveOptions(options);
  const st = await stat(path).catch((err: Error) => {
    throw new WhatsAppExportError(`${path}: ${err.message}`);
  });
  const container: WhatsAppExport['container'] = st.isDirectory() ? 'folder' : (await isZip(path)) ? 'zip' : 'text';
  let opened: (report: Report) => Promise<ChatInput>;
  if (container === 'folder') opened = async () => folderInput(path, await findChatText(path));
  else if (container === 'text') opened = async () => folderInput(dirname(path), basename(path));
  else opened = (report) => zipInput(path, o, report);
  let lastInput: ChatInput | null = null;
  const source = {
    kind: 'whatsapp-export' as const,
    path,
    container,
    format: null as DateFormat | null,
    chat: null as ChatRef | null,
    extractedTo: () => lastInput?.extractedTo() ?? null,
    async *messages(onIssue: Report = () => {}): AsyncGenerator<NormalizedMessage> {
      const input = await opened(onIssue);
      lastInput = input;
      try {
        yield* readChat(input, o, onIssue, (format, chat) => {
          source.format = format;
          source.chat = chat;
        });
      } finally {
        await input.media.close();
      }
    },
  };
  return source;
}

async function* readChat(
  input: ChatInput,
  o: ResolvedOptions,
  report: Report,
  found: (format: DateFormat, chat: ChatRef) => void,
): AsyncGenerator<NormalizedMessage> {
  const lineOptions = { maxLineChars: o.maxMessageChars };
  const survey = new ChatSurvey();
  try {
    for await (const line of splitLines(await input.bytes(), lineOptions)) survey.add(line);
  } catch (err) {
    throw new WhatsAppExportError(`${input.fileName}: unreadable: ${(err as Error).message}`);
  }
  const { format, chat, build } = prepare(survey, input, o, report);
  found(format, chat);
  const splitter = new RecordSplitter(format, o.maxMessageChars);
  const long = (lineNo: number) =>
    report({ kind: 'limit', message: 'line longer than the size limit: cut', location: `${input.fileName}:${lineNo}` });
  let lineNo = 0;
  for await (const line of splitLines(await input.bytes(), { ...lineOptions, onLongLine: long })) {
    const done = splitter.push(line, ++lineNo);
    if (done) yield await withMedia(build(done), input.media, report);
  }
  const last = splitter.finish();
  if (last) yield await withMedia(build(last), input.media, report);
  if (splitter.preamble > 0) {
    report({
      kind: 'malformed',
      message: `${splitter.preamble} line(s) before the first message: ignored`,
      location: input.fileName,
    });
  }
  input.media.finish(report);
}

/** After the survey: the format, the chat, and the record → message step. */
function prepare(
  survey: ChatSurvey,
  input: Pick<ChatInput, 'fileName' | 'containerName'>,
  o: ResolvedOptions,
  report: Report,
) {
  const format = survey.dates.result(o.defaultOrder, o.defaultLocale);
  if (!format) {
    throw new WhatsAppExportError(`${input.fileName}: no line starts with a WhatsApp timestamp: not a chat export`);
  }
  const name =
    o.chatName ??
    chatNameFromFile(input.fileName) ??
    (input.containerName ? chatNameFromFile(input.containerName) : null) ??
    survey.chatNameHint ??
    stem(input.fileName === '_chat.txt' && input.containerName ? input.containerName : input.fileName);
  const chat: ChatRef = { id: name, name, type: survey.groupEvents > 0 ? 'group' : 'unknown' };
  const builder = new MessageBuilder({
    chat,
    file: input.fileName,
    format,
    zone: o.zone,
    dateNote: dateNoteOf(o, format.assumption),
    report,
  });
  const build = (r: Parameters<typeof classify>[0]) => builder.build(r, classify(r, survey.authors, o.authors));
  return { format, chat, build };
}

async function withMedia(msg: NormalizedMessage, media: MediaStore, report: Report): Promise<NormalizedMessage> {
  const location = `${(msg.raw as { file: string }).file}:${(msg.raw as { line: number }).line} (message ${msg.messageId})`;
  for (const ref of msg.media)
    if (ref.missing === undefined && ref.fileName) await media.complete(ref, location, report);
  return msg;
}

/** By its first bytes, so that a renamed zip is still read as one. */
async function isZip(path: string): Promise<boolean> {
  if (/\.zip$/i.test(path)) return true;
  const file = await open(path, 'r').catch(() => null);
  if (!file) return false; // unreadable: the read itself reports it
  try {
    const head = Buffer.alloc(4);
    await file.read(head, 0, 4, 0);
    return head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50;
  } finally {
    await file.close();
  }
}

function stem(name: string): string {
  return name.replace(/\.(?:txt|zip)$/i, '');
}

function folderInput(dir: string, fileName: string): ChatInput {
  return {
    fileName,
    containerName: basename(dir),
    bytes: async () => createReadStream(join(dir, fileName)),
    media: folderMedia(dir),
    extractedTo: () => null,
  };
}

/** An unzipped export: `_chat.txt`, "WhatsApp Chat….txt", or its only .txt. */
async function findChatText(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const texts = entries.filter((e) => e.isFile() && /\.txt$/i.test(e.name)).map((e) => e.name);
  const pick =
    texts.find((n) => n === '_chat.txt') ??
    texts.find((n) => /whatsapp/i.test(n)) ??
    (texts.length === 1 ? texts[0] : undefined);
  if (!pick) throw new WhatsAppExportError(`${dir}: no chat text (_chat.txt or "WhatsApp Chat….txt") in the folder`);
  return pick;
}

async function zipInput(path: string, o: ResolvedOptions, report: Report): Promise<ChatInput> {
  let zip: WhatsAppZip;
  try {
    zip = await WhatsAppZip.open(path, o.zipLimits, report);
  } catch (err) {
    throw new WhatsAppExportError((err as Error).message);
  }
  const chat = zip.chatItem();
  if (!chat) {
    zip.close();
    throw new WhatsAppExportError(`${basename(path)}: no chat text (_chat.txt or "WhatsApp Chat….txt") in the zip`);
  }
  const media = zipMedia(zip, chat, o.extractDir);
  return {
    fileName: basename(chat.name),
    containerName: basename(path),
    bytes: () => zip.stream(chat),
    media,
    extractedTo: media.extractedTo,
  };
}

export interface ParsedChat {
  messages: NormalizedMessage[];
  issues: SourceIssue[];
  format: DateFormat;
  chat: ChatRef;
}

/**
 * A chat text already in memory, without media lookups (attachments stay as named).
 * `fileName` gives the chat name as a file would ("WhatsApp Chat with X.txt").
 */
export function parseWhatsAppText(
  text: string,
  options: WhatsAppExportOptions & { fileName?: string } = {},
): ParsedChat {
  const o = resolveOptions(options);
  const issues: SourceIssue[] = [];
  const report = (i: SourceIssue) => issues.push(i);
  const lines = linesOf(text);
  const survey = new ChatSurvey();
  for (const line of lines) survey.add(line);
  const input = { fileName: options.fileName ?? 'chat.txt', containerName: null };
  const { format, chat, build } = prepare(survey, input, o, report);
  const splitter = new RecordSplitter(format, o.maxMessageChars);
  const messages: NormalizedMessage[] = [];
  lines.forEach((line, i) => {
    const done = splitter.push(line, i + 1);
    if (done) messages.push(build(done));
  });
  const last = splitter.finish();
  if (last) messages.push(build(last));
  return { messages, issues, format, chat };
}
