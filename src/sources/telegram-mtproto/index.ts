/**
 * Telegram over MTProto (a user account, via GramJS): public channels'
 * history and live messages. See docs/sources.md.
 */
export { TelegramClientGateway, type TelegramClientGatewayOptions } from './client-gateway.js';
export { downloadMedia, refetchChannelMessage } from './download.js';
export {
  FloodWaitTooLongError,
  floodWaitSeconds,
  isFileReferenceExpired,
  isTransient,
  MediaDownloadError,
  MtprotoError,
  RetriesExhaustedError,
} from './errors.js';
export type { FileDownload, MtprotoEntities, MtprotoGateway, UpdateHandler } from './gateway.js';
export { type HistoryPage, type HistoryStart, historyPages } from './history.js';
export { type FileLocation, mapMedia } from './map-media.js';
export { type MapContext, type MapResult, mapMessage } from './map-message.js';
export type { MtprotoSourceOptions } from './options.js';
export { markedId } from './peers.js';
export { plainTl } from './raw.js';
export { channelUsername, resolveChannel, type WatchedChannel } from './resolve.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy, type WaitNotice, withRetry } from './retry.js';
export { SESSION_LABEL, SessionVault, SessionVaultError } from './session-vault.js';
export { MtprotoSource } from './source.js';
