/**
 * Telegram Bot API source: a webhook receives Updates, TelegramBotSource turns them
 * into normalized messages (albums merged), and BotApiClient fetches their media.
 *
 * Wiring, in short:
 *   const client = new BotApiClient({ token });
 *   const source = new TelegramBotSource({ client });
 *   registerTelegramWebhook(app, { secretToken, onUpdate: (u) => source.push(u) });
 *   for await (const m of source.messages(onIssue)) { ... }   // until source.close()
 */
export type { AlbumOptions, Timers } from './album.js';
export { AlbumGrouper, mergeAlbum } from './album.js';
export type { BotApiClientOptions, BotFile } from './client.js';
export { BotApiClient } from './client.js';
export type { BotApiErrorCode } from './errors.js';
export { BotApiError, isBotApiError, redactToken } from './errors.js';
export type { RemoteFile } from './media.js';
export { BOT_API_DOWNLOAD_LIMIT } from './media.js';
export type { TelegramBotSourceOptions, UpdateVerdict } from './source.js';
export { TelegramBotSource } from './source.js';
export type { MessageUpdateKind, ParsedUpdate, ParseOptions } from './update.js';
export { isUpdate, MESSAGE_UPDATE_KINDS, parseUpdate } from './update.js';
export type { TelegramWebhookOptions } from './webhook.js';
export { DEFAULT_WEBHOOK_PATH, registerTelegramWebhook, SECRET_HEADER } from './webhook.js';
