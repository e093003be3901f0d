/**
 * The sentences WhatsApp writes into an export on its own: system events, attachment
 * lines, "<Media omitted>" and deleted-message placeholders, in the languages we have
 * seen or could check. An Android line without "Author: " is a system line whether or
 * not it is listed here; the lists only name the event. Unknown wording therefore never
 * loses a line, it just gets the action 'system'.
 */
import type { MediaType } from '../types.js';

export interface SystemEvent {
  action: string;
  /** Who did it, when the sentence names someone ("Grandma Rosa added Aunt May"). */
  actor: string | null;
  details?: Record<string, unknown>;
}

/** Named groups: `actor` (or `actor2`) is who did it; `title`, `members`, `from`, `to` become details. */
interface Pattern {
  re: RegExp;
  action: string;
}

const Q_OPEN = '["“„«「]';
const Q_CLOSE = '["”“»」]';

const SYSTEM: readonly Pattern[] = [
  // End-to-end notices (en, de, es, pt, fr, it, nl, id, ja).
  {
    re: /^(?:Messages and calls are end-to-end encrypted|Messages to this (?:group|chat) are now secured with end-to-end encryption|Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt|Los mensajes y las llamadas están cifrados de extremo a extremo|As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta|Les messages et les appels sont chiffrés de bout en bout|I messaggi e le chiamate sono crittografati end-to-end|Berichten en gesprekken worden end-to-end versleuteld|Pesan dan panggilan terenkripsi secara end-to-end|メッセージと通話はエンドツーエンドで暗号化されています)/,
    action: 'e2e_notice',
  },
  { re: rx(`^(?<actor>.+?) created group ${Q_OPEN}(?<title>.*)${Q_CLOSE}$`), action: 'group_created' },
  { re: rx(`^(?<actor>.+?) hat die Gruppe ${Q_OPEN}(?<title>.*)${Q_CLOSE} erstellt$`), action: 'group_created' },
  { re: rx(`^(?<actor>.+?) creó el grupo ${Q_OPEN}(?<title>.*)${Q_CLOSE}$`), action: 'group_created' },
  { re: rx(`^(?<actor>.+?) membuat grup ${Q_OPEN}(?<title>.*)${Q_CLOSE}$`), action: 'group_created' },
  { re: rx(`^(?<actor>.+?)がグループ${Q_OPEN}(?<title>.*)${Q_CLOSE}を作成しました$`), action: 'group_created' },
  { re: /^(?<actor>.+?) created this group$/, action: 'group_created' },
  { re: /^(?<actor>.+?) joined using this (?:group|community)'s invite link$/, action: 'member_joined' },
  { re: /^(?<actor>.+?) ist über den Einladungslink dieser Gruppe beigetreten$/, action: 'member_joined' },
  { re: /^(?<actor>.+?) se unió usando el enlace de invitación de este grupo$/, action: 'member_joined' },
  { re: /^(?<actor>.+?) bergabung menggunakan tautan undangan grup ini$/, action: 'member_joined' },
  { re: /^(?<actor>.+?) joined from the community$/, action: 'member_joined' },
  { re: /^(?<actor>.+?) hat die Gruppe verlassen$/, action: 'member_left' },
  { re: /^(?<actor>.+?) salió del grupo$/, action: 'member_left' },
  { re: /^(?<actor>.+?)が退出しました$/, action: 'member_left' },
  { re: /^(?<actor>.+?) (?:left|keluar)$/, action: 'member_left' },
  { re: /^(?<actor>.+?) hat (?<members>.+) hinzugefügt$/, action: 'members_added' },
  { re: /^(?<actor>.+?) hat (?<members>.+) entfernt$/, action: 'member_removed' },
  { re: /^(?<actor>.+?) añadió a (?<members>.+)$/, action: 'members_added' },
  { re: /^(?<actor>.+?) eliminó a (?<members>.+)$/, action: 'member_removed' },
  { re: /^(?<actor>.+?)が(?<members>.+?)を追加しました$/, action: 'members_added' },
  { re: /^(?<actor>.+?)が(?<members>.+?)を削除しました$/, action: 'member_removed' },
  { re: /^(?<actor>.+?) menambahkan (?<members>.+)$/, action: 'members_added' },
  { re: /^(?<actor>.+?) mengeluarkan (?<members>.+)$/, action: 'member_removed' },
  {
    re: rx(
      `^(?<actor>.+?) changed the (?:subject|group name) from ${Q_OPEN}(?<from>.*)${Q_CLOSE} to ${Q_OPEN}(?<to>.*)${Q_CLOSE}$`,
    ),
    action: 'title_changed',
  },
  {
    re: rx(`^(?<actor>.+?) changed the (?:subject|group name) to ${Q_OPEN}(?<to>.*)${Q_CLOSE}$`),
    action: 'title_changed',
  },
  {
    re: rx(
      `^(?<actor>.+?) hat den Betreff von ${Q_OPEN}(?<from>.*)${Q_CLOSE} zu ${Q_OPEN}(?<to>.*)${Q_CLOSE} geändert$`,
    ),
    action: 'title_changed',
  },
  { re: /^(?<actor>.+?) (?:changed|deleted) this group's icon$/, action: 'photo_changed' },
  { re: /^(?<actor>.+?) hat das Gruppenbild (?:geändert|gelöscht)$/, action: 'photo_changed' },
  { re: /^(?<actor>.+?) changed the group description$/, action: 'description_changed' },
  { re: /^(?<actor>.+?) changed this group's settings\b/, action: 'settings_changed' },
  { re: /^(?<actor>.+?) changed their phone number to a new number\b/, action: 'number_changed' },
  { re: /^(?<actor>.+?) changed to (?<to>\+[\d\s()-]{6,})$/, action: 'number_changed' },
  {
    re: /^(?:Your security code with (?<actor>.+?) changed|(?<actor2>.+?)'s security code changed)\b/,
    action: 'security_code_changed',
  },
  { re: /^(?<actor>.+?) (?:is|are) now an admin$/, action: 'admin_added' },
  { re: /^You're now an admin$/, action: 'admin_added' },
  { re: /^(?<actor>.+?) pinned a message$/, action: 'message_pinned' },
  { re: /^(?<actor>.+?) turned (?:on|off) disappearing messages\b/, action: 'disappearing_messages' },
  { re: /^(?<actor>.+?) added (?<members>.+)$/, action: 'members_added' },
  { re: /^(?<actor>.+?) removed (?<members>.+)$/, action: 'member_removed' },
  { re: /^Waiting for this message\b/, action: 'waiting_for_message' },
];

/** Calls: iOS writes them as "Sam: ‎Missed voice call", so the line's author is the caller. */
const CALLS: readonly Pattern[] = [
  { re: /^Missed (?:voice|video|group voice|group video) call\b/, action: 'missed_call' },
  { re: /^(?:Voice|Video) call\b/, action: 'call' },
  { re: /^Verpasster (?:Sprach|Video)anruf\b/, action: 'missed_call' },
  { re: /^Llamada (?:de voz|de video|de vídeo) perdida\b/, action: 'missed_call' },
  { re: /^Panggilan (?:suara|video) tak terjawab\b/, action: 'missed_call' },
];

const GROUP_ACTIONS = new Set(['group_created', 'member_joined', 'member_left', 'members_added', 'member_removed']);

function rx(source: string): RegExp {
  return new RegExp(source);
}

/** The event a system sentence describes, or null when it is not one we know. */
export function systemEvent(text: string): SystemEvent | null {
  for (const p of SYSTEM) {
    const m = p.re.exec(text);
    if (m) return eventOf(p.action, m.groups ?? {});
  }
  return null;
}

/** A call notice ("Missed voice call"); the caller is the line's author. */
export function callEvent(text: string, author: string | null): SystemEvent | null {
  for (const p of CALLS) if (p.re.test(text)) return { action: p.action, actor: author };
  return null;
}

export function isGroupEvent(event: SystemEvent): boolean {
  return GROUP_ACTIONS.has(event.action);
}

function eventOf(action: string, groups: Record<string, string | undefined>): SystemEvent {
  const actor = groups.actor ?? groups.actor2 ?? null;
  const details: Record<string, unknown> = {};
  for (const key of ['title', 'members', 'from', 'to']) {
    const v = groups[key];
    if (v !== undefined) details[key] = v;
  }
  return Object.keys(details).length > 0 ? { action, actor, details } : { action, actor };
}

const DELETED = new Set(
  [
    'This message was deleted',
    'You deleted this message',
    'Diese Nachricht wurde gelöscht',
    'Du hast diese Nachricht gelöscht',
    'Se eliminó este mensaje',
    'Eliminaste este mensaje',
    'Este mensaje fue eliminado',
    'Ce message a été supprimé',
    'Vous avez supprimé ce message',
    'Questo messaggio è stato eliminato',
    'Hai eliminato questo messaggio',
    'Mensagem apagada',
    'Você apagou esta mensagem',
    'Dit bericht is verwijderd',
    'Je hebt dit bericht verwijderd',
    'Pesan ini telah dihapus',
    'Anda menghapus pesan ini',
    'このメッセージは削除されました',
    'メッセージを削除しました',
  ].map((s) => s.toLowerCase()),
);

/** "This message was deleted", "Diese Nachricht wurde gelöscht." and the like. */
export function isDeletedPlaceholder(text: string): boolean {
  return DELETED.has(text.trim().replace(/\.$/, '').toLowerCase());
}

export interface MediaLine {
  /** The file's name in the export, when the line names one. */
  fileName: string | null;
  /** Set when the export left the file out: the placeholder as written. */
  omitted: string | null;
  /** A type the wording gives ("image omitted"), used when the file name gives none. */
  typeHint: MediaType | null;
}

const ATTACHED_ANDROID =
  /^(?<name>.+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|file allegato|arquivo anexado|bestand bijgevoegd|file terlampir|ファイル添付)\)$/;
/** Other languages: WhatsApp's own naming ("IMG-20231231-WA0012.jpg") followed by any short remark. */
const ATTACHED_ANDROID_ANY = /^(?<name>[A-Z]{3,4}-\d{8}-WA\d{4,}\.[A-Za-z0-9]{1,6}) \([^()]{2,40}\)$/;
const ATTACHED_IOS =
  /^<(?:attached|Anhang|adjunto|pièce jointe|allegato|anexado|bijlage|terlampir|添付ファイル)\s?:\s?(?<name>[^<>]+)>$/;
const ATTACHED_IOS_ANY = /^<[^<>:]{2,30}:\s?(?<name>\d{8}-[A-Z]+-\d{4}(?:-\d{2}){5}\.[A-Za-z0-9]{1,6})>$/;
const OMITTED_ANDROID =
  /^<(?:Media omitted|Medien ausgeschlossen|Multimedia omitido|Médias omis|Media omessi|Mídia oculta|Arquivo de mídia oculto|Media weggelaten|Media tidak disertakan|メディアは含まれていません)>$/i;
/** Other languages: a whole line in angle brackets that speaks of media. */
const OMITTED_ANDROID_ANY = /^<[^<>]{0,30}(?:medi|multimedia|mídia|メディア|미디어|媒体|媒體)[^<>]{0,30}>$/i;

const IOS_OMITTED: ReadonlyArray<readonly [RegExp, MediaType]> = [
  [
    /^(?:image|Bild|imagen|imagem|immagine|afbeelding|gambar) (?:omitted|weggelassen|omitida|omitido|ocultada|omessa|weggelaten|tidak disertakan)$/i,
    'photo',
  ],
  [/^(?:video|vídeo) (?:omitted|weggelassen|omitido|ocultado|omesso|weggelaten|tidak disertakan)$/i, 'video'],
  [/^(?:audio|áudio) (?:omitted|weggelassen|omitido|ocultado|omesso|weggelaten|tidak disertakan)$/i, 'voice'],
  [
    /^(?:sticker|figurinha) (?:omitted|weggelassen|omitido|omitida|ocultada|omesso|weggelaten|tidak disertakan)$/i,
    'sticker',
  ],
  [/^GIF (?:omitted|weggelassen|omitido|ocultado|omessa|weggelaten|tidak disertakan)$/i, 'animation'],
  [
    /^(?:(?<name>.+?) • .*)?(?:document|Dokument|documento|document) (?:omitted|weggelassen|omitido|ocultado|omesso|weggelaten|tidak disertakan)$/i,
    'document',
  ],
  [/^(?:Contact card|Kontaktkarte|Tarjeta de contacto) (?:omitted|weggelassen|omitida)$/i, 'document'],
];

/**
 * The first body line of a media message, or null. `marked` says the line carried the
 * U+200E mark iOS puts before generated text; iOS omissions are only trusted with it,
 * since "image omitted" could also be typed.
 */
export function mediaLine(line: string, marked: boolean): MediaLine | null {
  const attached = ATTACHED_ANDROID.exec(line) ?? ATTACHED_IOS.exec(line) ?? ATTACHED_ANDROID_ANY.exec(line);
  const named = attached ?? ATTACHED_IOS_ANY.exec(line);
  if (named?.groups?.name) return { fileName: named.groups.name.trim(), omitted: null, typeHint: null };
  if (OMITTED_ANDROID.test(line) || OMITTED_ANDROID_ANY.test(line)) {
    return { fileName: null, omitted: line, typeHint: null };
  }
  // Android wrote "null" for view-once and unavailable media: the file existed but never reached the export.
  if (line === 'null') return { fileName: null, omitted: 'null (view-once or unavailable media)', typeHint: null };
  if (!marked) return null;
  for (const [re, type] of IOS_OMITTED) {
    const m = re.exec(line);
    if (m) return { fileName: m.groups?.name?.trim() || null, omitted: line, typeHint: type };
  }
  return null;
}
