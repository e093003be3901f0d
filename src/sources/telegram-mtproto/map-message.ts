/**
 * Api.Message / Api.MessageService → NormalizedMessage. Pure: no I/O. The
 * users and chats that came with the response give names; the chat being read
 * gives the chat's name and type (and stands in for a missing peer_id).
 * Anything unreadable becomes a SourceIssue, never an exception: a hostile or
 * half-built object costs one message at most.
 */
import type { Api } from 'telegram';
import type { AuthorRef, MediaRef, NormalizedMessage, SourceIssue } from '../types.js';
import type { MtprotoEntities } from './gateway.js';
import { type FileLocation, mapMedia } from './map-media.js';
import { mapAction } from './map-service.js';
import { mapEntities } from './map-text.js';
import { authorOfPeer, chatRef, displayName, entityPeer, findEntity, markedId, type PeerId, peerOf } from './peers.js';
import { plainTl } from './raw.js';
import { classNameOf, count, isObject, nonEmpty, text } from './values.js';

/** Where a message lives, for downloads and cursors. */
export interface MessageWhere {
  peer: PeerId;
  /** Marked chat id ("-100…"). */
  chatId: string;
  messageId: number;
}

export interface MapContext {
  entities: MtprotoEntities;
  /** The chat being read, when known. */
  chat?: Api.TypeChat | null;
  /** Called for each downloadable file, so the caller can give the MediaRef a `fetch`. */
  attach?: (ref: MediaRef, location: FileLocation, where: MessageWhere) => void;
}

export interface MapResult {
  /** Null for MessageEmpty (a deleted message) and for unreadable records. */
  message: NormalizedMessage | null;
  where: MessageWhere | null;
  issues: SourceIssue[];
}

export function mapMessage(input: unknown, ctx: MapContext): MapResult {
  const issues: SourceIssue[] = [];
  try {
    return { ...mapChecked(input, ctx, issues), issues };
  } catch (err) {
    // The guards should make this unreachable; a getter that throws on a crafted object must still cost one message only.
    const id = isObject(input) ? count(input.id) : null;
    issues.push({
      kind: 'malformed',
      message: `message could not be read: ${err instanceof Error ? err.message : String(err)}`,
      ...(id !== null ? { location: `message ${id}` } : {}),
    });
    return { message: null, where: null, issues };
  }
}

function mapChecked(
  input: unknown,
  ctx: MapContext,
  issues: SourceIssue[],
): { message: NormalizedMessage | null; where: MessageWhere | null } {
  const none = { message: null, where: null };
  const name = classNameOf(input);
  if (name === 'MessageEmpty') return none;
  if (!isObject(input) || (name !== 'Message' && name !== 'MessageService')) {
    issues.push({ kind: 'malformed', message: `not a message: ${name ?? typeof input}` });
    return none;
  }
  const messageId = count(input.id);
  if (messageId === null || messageId === 0) {
    issues.push({ kind: 'malformed', message: `${name} without a usable id: skipped` });
    return none;
  }
  const entities: MtprotoEntities = {
    users: Array.isArray(ctx.entities.users) ? ctx.entities.users : [],
    // The response's own copy of the chat first: it is the freshest (a renamed channel).
    chats: [...(Array.isArray(ctx.entities.chats) ? ctx.entities.chats : []), ...(ctx.chat ? [ctx.chat] : [])],
  };
  let peer = peerOf(input.peerId);
  if (!peer) {
    peer = ctx.chat ? entityPeer(ctx.chat) : null;
    const fallback = peer ? `read as a message of ${markedId(peer)}` : 'skipped';
    issues.push({ kind: 'malformed', message: `message ${messageId} has no usable peer_id: ${fallback}` });
    if (!peer) return none;
  }
  const chat = chatRef(peer, entities);
  const where: MessageWhere = { peer, chatId: chat.id, messageId };
  const location = `${chat.id}/${messageId}`;
  const issue = (kind: SourceIssue['kind']) => (message: string) => issues.push({ kind, message, location });

  const message: NormalizedMessage = {
    source: 'telegram-mtproto',
    chat,
    messageId: String(messageId),
    author: authorOf(input, peer, chat.name, entities),
    date: new Date(0),
    text: '',
    entities: [],
    media: [],
    raw: plainTl(input),
  };
  setDates(message, input, issue('malformed'));
  if (name === 'MessageService') {
    const { action, details } = mapAction(input.action);
    message.service = { action, actor: message.author.name, details };
  } else {
    setText(message, input, issue('malformed'));
  }
  if (input.fwdFrom !== undefined && input.fwdFrom !== null)
    message.forwardedFrom = forwardedFrom(input.fwdFrom, entities);
  if (input.replyTo !== undefined && input.replyTo !== null) message.replyTo = replyTo(input.replyTo, chat.id);
  for (const { ref, location: file } of mapMedia(input.media, (kind, m) =>
    issues.push({ kind, message: m, location }),
  )) {
    if (file && ctx.attach) ctx.attach(ref, file, where);
    message.media.push(ref);
  }
  return { message, where };
}

function setDates(message: NormalizedMessage, input: Record<string, unknown>, issue: (m: string) => void): void {
  const date = count(input.date);
  if (date === null) {
    issue('no usable date: the epoch is used');
    message.dateNote = 'no date in the message; 1970-01-01 is a placeholder';
  } else {
    message.date = new Date(date * 1000);
  }
  const edited = count(input.editDate);
  // edit_hide marks edits the client does not show (e.g. a reaction changed): not a content edit.
  if (edited !== null && edited > 0 && input.editHide !== true) message.editedAt = new Date(edited * 1000);
}

function setText(message: NormalizedMessage, input: Record<string, unknown>, issue: (m: string) => void): void {
  if (input.message === undefined || input.message === null) return;
  const body = text(input.message);
  if (body === null) {
    issue('message text is not a string: ignored');
    return;
  }
  message.text = body;
  message.entities = mapEntities(body, input.entities, issue);
}

/**
 * The sender: from_id when present (a user, or a channel posting as itself);
 * else the post signature (post_author) of a channel post; else the channel.
 */
function authorOf(
  input: Record<string, unknown>,
  peer: PeerId,
  chatName: string | null,
  entities: MtprotoEntities,
): AuthorRef {
  const signature = nonEmpty(input.postAuthor);
  const from = peerOf(input.fromId);
  if (from) {
    const author = authorOfPeer(from, entities);
    const postsAsChat = from.kind === peer.kind && from.id === peer.id;
    return postsAsChat && signature ? { id: author.id, name: signature } : author;
  }
  if (signature) return { id: null, name: signature };
  if (peer.kind === 'channel' || peer.kind === 'user') return { id: markedId(peer), name: chatName };
  return { id: null, name: null };
}

/** Who a forward came from: the original sender's name when known, else its hidden name, else its id. */
function forwardedFrom(header: unknown, entities: MtprotoEntities): string | null {
  if (!isObject(header)) return null;
  const from = peerOf(header.fromId);
  if (from) return displayName(findEntity(from, entities)) ?? nonEmpty(header.fromName) ?? markedId(from);
  return nonEmpty(header.fromName) ?? nonEmpty(header.savedFromName) ?? null;
}

/** The replied-to message id; "<chat>/<id>" when it lives in another chat. */
function replyTo(header: unknown, chatId: string): string | null {
  if (classNameOf(header) !== 'MessageReplyHeader' || !isObject(header)) return null;
  const id = count(header.replyToMsgId);
  if (id === null) return null;
  const other = peerOf(header.replyToPeerId);
  return other && markedId(other) !== chatId ? `${markedId(other)}/${id}` : String(id);
}
