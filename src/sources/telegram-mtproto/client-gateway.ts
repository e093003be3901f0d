/**
 * The MtprotoGateway over a real GramJS TelegramClient. Deliberately thin: it
 * cannot be tested without Telegram, so all the logic (retries, paging, file
 * reference renewal, mapping) lives in the tested modules. GramJS's own silent
 * flood-wait sleeping is switched off (floodSleepThreshold 0) so that the
 * source's retry policy sees and reports every wait, and its logging is kept
 * to errors (it never logs the session string, but it need not chatter either).
 */
import { Api, TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { MediaDownloadError } from './errors.js';
import type { FileDownload, MtprotoEntities, MtprotoGateway, UpdateHandler } from './gateway.js';

export interface TelegramClientGatewayOptions {
  /** From https://my.telegram.org for this deployment. */
  apiId: number;
  apiHash: string;
  /** A GramJS StringSession string of an authorised user account (see SessionVault). */
  session: string;
  connectionRetries?: number;
}

/** Bytes asked for per upload.GetFile: Telegram's maximum. */
const CHUNK_BYTES = 512 * 1024;

export class TelegramClientGateway implements MtprotoGateway {
  private constructor(readonly client: TelegramClient) {}

  /** Connects with a stored session. Never logs or returns the session in errors. */
  static async connect(options: TelegramClientGatewayOptions): Promise<TelegramClientGateway> {
    const client = new TelegramClient(new StringSession(options.session), options.apiId, options.apiHash, {
      connectionRetries: options.connectionRetries ?? 5,
      floodSleepThreshold: 0,
      baseLogger: new Logger(LogLevel.ERROR),
    });
    await client.connect();
    if (!(await client.checkAuthorization())) {
      await client.disconnect();
      throw new Error('the stored Telegram session is not authorised (logged out or revoked): log in again');
    }
    return new TelegramClientGateway(client);
  }

  invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']> {
    return this.client.invoke(request);
  }

  async downloadFile({ location, dcId, maxBytes }: FileDownload): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.client.iterDownload({ file: location, dcId, requestSize: CHUNK_BYTES })) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new MediaDownloadError('limit', `download passed the ${maxBytes}-byte limit: abandoned`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  onUpdate(handler: UpdateHandler): () => void {
    const event = new Raw({});
    const callback = (update: Api.TypeUpdate) => handler(update, entitiesOf(update));
    this.client.addEventHandler(callback, event);
    return () => this.client.removeEventHandler(callback, event);
  }

  /** The session string as it is now (GramJS may move it to another data centre): store it again with SessionVault. */
  sessionString(): string {
    return (this.client.session as StringSession).save();
  }

  async disconnect(): Promise<void> {
    await this.client.disconnect();
  }
}

/** GramJS attaches the users and chats of an update's container as `_entities` (a Map by marked id). */
function entitiesOf(update: unknown): MtprotoEntities {
  const map = (update as { _entities?: unknown })._entities;
  const users: Api.TypeUser[] = [];
  const chats: Api.TypeChat[] = [];
  if (map instanceof Map) {
    for (const entity of map.values()) {
      if (entity instanceof Api.User) users.push(entity);
      else if (entity instanceof Api.Channel || entity instanceof Api.Chat) chats.push(entity);
    }
  }
  return { users, chats };
}
