/**
 * Real GramJS Api objects for the MTProto tests, and a stub gateway that
 * answers requests from them. Nothing here touches the network. The channel,
 * people and numbers are fictional (+44 7700 900xxx).
 */
import { Api, errors, helpers } from 'telegram';
import type {
  FileDownload,
  MtprotoEntities,
  MtprotoGateway,
  UpdateHandler,
} from '../../../src/sources/telegram-mtproto/gateway.js';

export const big = helpers.returnBigInt;

export const CHANNEL_ID = 1234567890;
export const CHAT_ID = '-1001234567890';
export const USERNAME = 'fictional_news';
export const OTHER_CHANNEL_ID = 987654321;
export const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z

export function channel(args: Partial<ConstructorParameters<typeof Api.Channel>[0]> = {}): Api.Channel {
  return new Api.Channel({
    id: big(CHANNEL_ID),
    accessHash: big('-4242424242424242'),
    title: 'Fictional News',
    username: USERNAME,
    photo: new Api.ChatPhotoEmpty(),
    date: T0,
    broadcast: true,
    ...args,
  });
}

export function user(id: number, firstName: string, lastName?: string): Api.User {
  return new Api.User({ id: big(id), accessHash: big(id * 7), firstName, ...(lastName ? { lastName } : {}) });
}

export const channelPeer = (id = CHANNEL_ID) => new Api.PeerChannel({ channelId: big(id) });

type MessageArgs = Partial<ConstructorParameters<typeof Api.Message>[0]>;

/** A channel message; its date is T0 + id minutes unless given. */
export function message(id: number, args: MessageArgs = {}): Api.Message {
  return new Api.Message({ id, peerId: channelPeer(), date: T0 + id * 60, message: `post ${id}`, ...args });
}

export function reference(tag: string): Buffer {
  return Buffer.from(`ref-${tag}`);
}

export function photo(id: number, fileReference = reference('1')): Api.Photo {
  return new Api.Photo({
    id: big(id),
    accessHash: big(id * 3),
    fileReference,
    date: T0,
    dcId: 4,
    sizes: [
      new Api.PhotoStrippedSize({ type: 'i', bytes: Buffer.from([1, 40, 40]) }),
      new Api.PhotoSize({ type: 'm', w: 320, h: 240, size: 15_000 }),
      new Api.PhotoSize({ type: 'x', w: 800, h: 600, size: 61_000 }),
      new Api.PhotoSizeProgressive({ type: 'y', w: 1280, h: 960, sizes: [20_000, 70_000, 140_000] }),
    ],
  });
}

export function photoMedia(id: number, fileReference?: Buffer): Api.MessageMediaPhoto {
  return new Api.MessageMediaPhoto({ photo: photo(id, fileReference) });
}

export function document(
  id: number,
  mimeType: string,
  attributes: Api.TypeDocumentAttribute[],
  size: number | string = 1_000_000,
  fileReference = reference('1'),
): Api.Document {
  return new Api.Document({
    id: big(id),
    accessHash: big(id * 5),
    fileReference,
    date: T0,
    mimeType,
    size: big(size),
    dcId: 2,
    attributes,
  });
}

export function documentMedia(
  doc: Api.TypeDocument,
  flags: { round?: boolean; voice?: boolean; video?: boolean } = {},
): Api.MessageMediaDocument {
  return new Api.MessageMediaDocument({ document: doc, ...flags });
}

/** A messages.ChannelMessages page. */
export function page(messages: Api.TypeMessage[], extra: { users?: Api.TypeUser[]; pts?: number } = {}) {
  return new Api.messages.ChannelMessages({
    pts: extra.pts ?? 1000,
    count: messages.length,
    messages,
    topics: [],
    chats: [channel()],
    users: extra.users ?? [],
  });
}

export function resolved(entity: Api.Channel = channel()): Api.contacts.ResolvedPeer {
  return new Api.contacts.ResolvedPeer({
    peer: new Api.PeerChannel({ channelId: entity.id }),
    chats: [entity],
    users: [],
  });
}

export function floodWait(seconds: number, request?: Api.AnyRequest): errors.FloodWaitError {
  return new errors.FloodWaitError({ request, capture: seconds });
}

export function rpcError(message: string, code: number, request?: Api.AnyRequest): errors.RPCError {
  return new errors.RPCError(message, request as Api.AnyRequest, code);
}

export type Responder = (request: Api.AnyRequest) => unknown;

/** A gateway whose answers come from `respond`; it records every request and download. */
export class StubGateway implements MtprotoGateway {
  readonly requests: Api.AnyRequest[] = [];
  readonly downloads: FileDownload[] = [];
  private readonly handlers = new Set<UpdateHandler>();

  constructor(
    public respond: Responder,
    public download: (d: FileDownload) => Uint8Array | Promise<Uint8Array> = () => {
      throw new Error('no download expected');
    },
  ) {}

  async invoke<R extends Api.AnyRequest>(request: R): Promise<R['__response']> {
    this.requests.push(request);
    return (await this.respond(request)) as R['__response'];
  }

  async downloadFile(d: FileDownload): Promise<Uint8Array> {
    this.downloads.push(d);
    return this.download(d);
  }

  onUpdate(handler: UpdateHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  emit(update: Api.TypeUpdate, entities: MtprotoEntities = { users: [], chats: [] }): void {
    for (const h of this.handlers) h(update, entities);
  }

  get subscribers(): number {
    return this.handlers.size;
  }

  /** The GetHistory requests sent, in order. */
  get historyRequests(): Api.messages.GetHistory[] {
    return this.requests.filter((r): r is Api.messages.GetHistory => r instanceof Api.messages.GetHistory);
  }
}

/**
 * Answers like Telegram for one channel holding `history`: ResolveUsername,
 * GetHistory with a negative add_offset (the forward window: from offset_id,
 * or from offset_date, `limit` messages, above min_id, returned newest first),
 * and channels.GetMessages.
 */
export function channelServer(
  history: () => Api.TypeMessage[],
  extra: { users?: Api.TypeUser[]; pts?: () => number } = {},
) {
  return (request: Api.AnyRequest): unknown => {
    if (request instanceof Api.contacts.ResolveUsername) {
      if (request.username !== USERNAME) throw rpcError('USERNAME_NOT_OCCUPIED', 400, request);
      return resolved();
    }
    if (request instanceof Api.messages.GetHistory) return historyWindow(history(), request, extra);
    if (request instanceof Api.channels.GetMessages) {
      const ids = (request.id ?? []).map((m) => (m as Api.InputMessageID).id);
      return page(history().filter((m) => ids.includes(m.id)));
    }
    throw new Error(`unexpected request ${request.className}`);
  };
}

function historyWindow(
  all: Api.TypeMessage[],
  r: Api.messages.GetHistory,
  extra: { users?: Api.TypeUser[]; pts?: () => number },
) {
  const ascending = [...all].sort((a, b) => a.id - b.id);
  if ((r.addOffset ?? 0) >= 0) throw new Error('the stub only serves forward windows (negative add_offset)');
  const from = ascending.filter((m) =>
    r.offsetId ? m.id >= r.offsetId : 'date' in m && (m.date ?? 0) >= (r.offsetDate ?? 0),
  );
  const window = from.slice(0, r.limit ?? 100).filter((m) => m.id > (r.minId ?? 0));
  return page(window.reverse(), { ...(extra.users ? { users: extra.users } : {}), pts: extra.pts?.() ?? 1000 });
}

/** Resolves `sleep` calls instantly, recording the requested milliseconds. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { waits, sleep };
}
