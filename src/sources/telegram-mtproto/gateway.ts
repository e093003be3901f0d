/**
 * The narrow view of Telegram that the MTProto source needs. One
 * implementation wraps a real GramJS `TelegramClient` (client-gateway.ts);
 * tests use a stub whose `invoke` returns constructed `Api` objects, so the
 * source is tested without a network.
 */
import type { Api } from 'telegram';

/** Users and chats that came with a response or an update, for names and entities. */
export interface MtprotoEntities {
  users: readonly Api.TypeUser[];
  chats: readonly Api.TypeChat[];
}

export interface FileDownload {
  location: Api.TypeInputFileLocation;
  /** Data centre holding the file (Photo.dcId / Document.dcId). */
  dcId: number;
  /** Size the message declared, when known. */
  size: number | null;
  /** The download is abandoned with an error once more bytes than this arrive. */
  maxBytes: number;
}

export type UpdateHandler = (update: Api.TypeUpdate, entities: MtprotoEntities) => void;

export interface MtprotoGateway {
  /** Sends one request. Errors are GramJS's (`RPCError`, `FloodWaitError`, …); no retries here. */
  invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']>;
  /** Downloads one file into memory. FILE_REFERENCE_EXPIRED surfaces as an error; renewing it is the caller's job. */
  downloadFile(download: FileDownload): Promise<Uint8Array>;
  /** Calls `handler` for every update the account receives; returns a function that stops it. */
  onUpdate(handler: UpdateHandler): () => void;
}

export const NO_ENTITIES: MtprotoEntities = { users: [], chats: [] };
