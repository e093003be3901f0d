/**
 * Media downloads. A file reference (the token that lets this account read a
 * photo or document) expires after a while, so a message read hours ago in a
 * backfill can fail with FILE_REFERENCE_EXPIRED when its media is fetched. The
 * cure is to fetch the message again (channels.GetMessages), take the fresh
 * reference of the same file, and retry once. The size limit is checked
 * against the declared size before asking, and against the bytes received.
 */
import { Api } from 'telegram';
import { describeError, isFileReferenceExpired, MediaDownloadError } from './errors.js';
import type { MtprotoGateway } from './gateway.js';
import { type FileLocation, inputLocation, mapMedia } from './map-media.js';
import type { MessageWhere } from './map-message.js';
import { classNameOf, count, isObject } from './values.js';

export interface DownloadDeps {
  gateway: MtprotoGateway;
  maxBytes: number;
  /** The message again, fresh from Telegram; null when it no longer exists. */
  refetch: (where: MessageWhere) => Promise<unknown>;
}

export async function downloadMedia(
  deps: DownloadDeps,
  where: MessageWhere,
  location: FileLocation,
): Promise<Uint8Array> {
  const what = `${location.kind} ${location.fileId} of message ${where.chatId}/${where.messageId}`;
  checkSize(location.size, deps.maxBytes, what, 'declares');
  let bytes: Uint8Array;
  try {
    bytes = await fetchFile(deps, location);
  } catch (err) {
    if (!isFileReferenceExpired(err)) throw err;
    const fresh = await freshLocation(deps, where, location, what);
    try {
      bytes = await fetchFile(deps, fresh);
    } catch (again) {
      if (!isFileReferenceExpired(again)) throw again;
      throw new MediaDownloadError('expired', `${what}: the file reference expired again right after renewing it`);
    }
  }
  checkSize(bytes.byteLength, deps.maxBytes, what, 'sent');
  return bytes;
}

function fetchFile(deps: DownloadDeps, location: FileLocation): Promise<Uint8Array> {
  return deps.gateway.downloadFile({
    location: inputLocation(location),
    dcId: location.dcId,
    size: location.size,
    maxBytes: deps.maxBytes,
  });
}

function checkSize(size: number | null, maxBytes: number, what: string, verb: string): void {
  if (size !== null && size > maxBytes) {
    throw new MediaDownloadError('limit', `${what} ${verb} ${size} bytes, over the ${maxBytes}-byte download limit`);
  }
}

/** The same file's location in the message fetched again. */
async function freshLocation(
  deps: DownloadDeps,
  where: MessageWhere,
  stale: FileLocation,
  what: string,
): Promise<FileLocation> {
  let message: unknown;
  try {
    message = await deps.refetch(where);
  } catch (err) {
    throw new MediaDownloadError(
      'expired',
      `${what}: file reference expired and the message could not be fetched again (${describeError(err)})`,
    );
  }
  if (!isObject(message) || classNameOf(message) !== 'Message') {
    throw new MediaDownloadError('gone', `${what}: file reference expired and the message no longer exists (deleted?)`);
  }
  const match = mapMedia(message.media, () => {}).find(
    (m) => m.location?.kind === stale.kind && m.location.fileId === stale.fileId,
  );
  if (!match?.location) {
    throw new MediaDownloadError(
      'changed',
      `${what}: file reference expired and the message no longer holds this file (edited?)`,
    );
  }
  // Keep the size type chosen at first: the refreshed photo lists the same sizes.
  return { ...match.location, thumbSize: stale.kind === 'photo' ? stale.thumbSize : match.location.thumbSize };
}

/** channels.GetMessages for one id: the message object, or null when the response has none with that id. */
export async function refetchChannelMessage(
  gateway: MtprotoGateway,
  channel: Api.TypeInputChannel,
  messageId: number,
): Promise<unknown> {
  const response: unknown = await gateway.invoke(
    new Api.channels.GetMessages({ channel, id: [new Api.InputMessageID({ id: messageId })] }),
  );
  const messages = isObject(response) && Array.isArray(response.messages) ? response.messages : [];
  return messages.find((m: unknown) => isObject(m) && count(m.id) === messageId) ?? null;
}
