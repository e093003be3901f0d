/**
 * HTML service messages are English sentences ("Alice invited Bob and Carol"); the JSON
 * export's action names are recovered for the common ones. Anything else keeps its text
 * in `details.text` under the action "unknown".
 */

const ACTIONS: ReadonlyArray<[RegExp, string, boolean]> = [
  // [pattern, action, whether group 1 is the actor]
  [/^Channel «.*» created$/s, 'create_channel', false],
  [/^(.+?) created group «.*»/s, 'create_group', true],
  [/^(.+?) joined group by link from /s, 'join_group_by_link', true],
  [/^(.+?) joined group by request$/s, 'join_group_by_request', true],
  [/^(.+?) changed group title to «.*»$/s, 'edit_group_title', true],
  [/^Channel title changed to «.*»$/s, 'edit_group_title', false],
  [/^(.+?) changed group photo$/s, 'edit_group_photo', true],
  [/^Channel photo changed$/s, 'edit_group_photo', false],
  [/^(.+?) removed group photo$/s, 'delete_group_photo', true],
  [/^Channel photo removed$/s, 'delete_group_photo', false],
  [/^(.+?) converted this group to a supergroup$/s, 'migrate_to_supergroup', true],
  [/^(.+?) converted a basic group to this supergroup/s, 'migrate_from_group', true],
  [/^(.+?) pinned /s, 'pin_message', true],
  [/^(.+?) invited .+ to the voice chat$/s, 'invite_to_group_call', true],
  [/^(.+?) invited /s, 'invite_members', true],
  [/^(.+?) removed /s, 'remove_members', true],
  [/^(.+?) took a screenshot$/s, 'take_screenshot', true],
  [/^(.+?) joined Telegram$/s, 'joined_telegram', true],
  [/^(.+?) created topic «.*»$/s, 'topic_created', true],
  [/^History cleared$/s, 'clear_history', false],
];

export function htmlServiceAction(text: string): { action: string; actor: string | null } {
  for (const [re, action, hasActor] of ACTIONS) {
    const m = re.exec(text);
    if (m) return { action, actor: hasActor ? (m[1] ?? null) : null };
  }
  return { action: 'unknown', actor: null };
}
