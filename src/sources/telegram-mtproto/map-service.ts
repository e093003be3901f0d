/**
 * MessageAction* (the action of a MessageService: joins, pins, title changes)
 * → an action name and details. Names follow Telegram Desktop's export
 * ('pin_message', 'invite_members', …) where it has one, so service messages
 * read alike from every source; other actions get their class name in
 * snake_case ("MessageActionGiftPremium" → "gift_premium").
 */
import { arrayOf, classNameOf, count, idString, isObject, snakeCase, text } from './values.js';

const EXPORT_NAMES: Readonly<Record<string, string>> = {
  MessageActionChatCreate: 'create_group',
  MessageActionChatEditTitle: 'edit_group_title',
  MessageActionChatEditPhoto: 'edit_group_photo',
  MessageActionChatDeletePhoto: 'delete_group_photo',
  MessageActionChatAddUser: 'invite_members',
  MessageActionChatDeleteUser: 'remove_members',
  MessageActionChatJoinedByLink: 'join_group_by_link',
  MessageActionChatJoinedByRequest: 'join_group_by_request',
  MessageActionChannelCreate: 'create_channel',
  MessageActionChatMigrateTo: 'migrate_to_supergroup',
  MessageActionChannelMigrateFrom: 'migrate_from_group',
  MessageActionPinMessage: 'pin_message',
  MessageActionHistoryClear: 'clear_history',
  MessageActionPhoneCall: 'phone_call',
  MessageActionGroupCall: 'group_call',
  MessageActionScreenshotTaken: 'take_screenshot',
  MessageActionCustomAction: 'custom_action',
  MessageActionSetMessagesTTL: 'set_messages_ttl',
  MessageActionTopicCreate: 'topic_created',
  MessageActionTopicEdit: 'topic_edit',
};

export interface MappedAction {
  action: string;
  details: Record<string, unknown>;
}

export function mapAction(action: unknown): MappedAction {
  const name = classNameOf(action);
  if (!name || !isObject(action)) return { action: 'unknown', details: {} };
  const details: Record<string, unknown> = {};
  const title = text(action.title);
  if (title !== null) details.title = title;
  const users = arrayOf(action.users);
  if (users) details.members = users.map(idString).filter((id) => id !== null);
  const userId = idString(action.userId);
  if (userId !== null) details.members = [userId];
  const customMessage = text(action.message);
  if (customMessage !== null) details.message = customMessage;
  const period = count(action.period);
  if (period !== null) details.periodS = period;
  return {
    action: EXPORT_NAMES[name] ?? snakeCase(name.replace(/^MessageAction/, '')),
    details,
  };
}
