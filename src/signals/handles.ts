/**
 * Social-media accounts: profile links and labelled mentions ("ig: @name",
 * "IG nya @name", "tiktok @name", "카톡 아이디: name", "微信: name").
 *
 * A bare "@name" with no platform cue is not attributed to any platform: in
 * Telegram and WhatsApp it is most often a mention of a chat member.
 *
 * Output conventions: platform names are instagram, tiktok, snapchat, facebook,
 * x, kakaotalk, wechat, line. Handles are lowercased without "@", except
 * KakaoTalk open-chat links ("o/<code>") and LINE QR codes, whose codes are
 * case-sensitive. Facebook numeric profiles give the number.
 */

export const PLATFORMS = ['instagram', 'tiktok', 'snapchat', 'facebook', 'x', 'kakaotalk', 'wechat', 'line'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface HandleSignal {
  platform: Platform;
  handle: string;
}

/** What a handle may look like on each platform (lowercased, "@" removed). */
const HANDLE_SHAPE: Record<Platform, RegExp> = {
  instagram: /^[a-z0-9._]{1,30}$/,
  tiktok: /^[a-z0-9._]{2,24}$/,
  snapchat: /^[a-z][a-z0-9._-]{2,14}$/,
  facebook: /^[a-z0-9.]{5,50}$/,
  x: /^[a-z0-9_]{1,15}$/,
  kakaotalk: /^[a-z0-9._-]{2,20}$/,
  wechat: /^[a-z][a-z0-9_-]{5,19}$/,
  line: /^[a-z0-9._-]{3,20}$/,
};

/** Profile URL patterns; group 1 is the handle. Paths that are not profiles are listed per platform. */
const HOST_START = '(?<![\\w.-])(?:https?://)?';
const URLS: { platform: Platform; re: RegExp; notProfiles?: Set<string> }[] = [
  {
    platform: 'instagram',
    re: new RegExp(
      `${HOST_START}(?:www\\.|m\\.)?(?:instagram\\.com|instagr\\.am)/(?:stories/)?([A-Za-z0-9._]{1,30})`,
      'giu',
    ),
    notProfiles: new Set([
      'p',
      'reel',
      'reels',
      'tv',
      'explore',
      'accounts',
      'stories',
      'direct',
      'about',
      'legal',
      'web',
    ]),
  },
  { platform: 'tiktok', re: new RegExp(`${HOST_START}(?:www\\.|m\\.)?tiktok\\.com/@([A-Za-z0-9._]{2,24})`, 'giu') },
  {
    platform: 'snapchat',
    re: new RegExp(`${HOST_START}(?:www\\.)?snapchat\\.com/(?:add/|@)([A-Za-z0-9._-]{3,15})`, 'giu'),
  },
  {
    platform: 'facebook',
    re: new RegExp(
      `${HOST_START}(?:www\\.|m\\.|web\\.|mbasic\\.)?(?:facebook\\.com|fb\\.com)/(?:profile\\.php\\?id=)?([A-Za-z0-9.]{5,50})`,
      'giu',
    ),
    notProfiles: new Set([
      'groups',
      'pages',
      'share',
      'sharer',
      'watch',
      'events',
      'photo',
      'photo.php',
      'story.php',
      'login',
      'help',
      'marketplace',
      'hashtag',
      'reel',
      'permalink.php',
      'people',
      'profile.php',
      'gaming',
    ]),
  },
  {
    platform: 'x',
    re: new RegExp(
      `${HOST_START}(?:www\\.|mobile\\.)?(?:twitter\\.com|x\\.com)/([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])`,
      'giu',
    ),
    notProfiles: new Set([
      'i',
      'home',
      'search',
      'intent',
      'share',
      'hashtag',
      'explore',
      'settings',
      'login',
      'messages',
      'notifications',
      'compose',
      'tos',
      'privacy',
    ]),
  },
  { platform: 'kakaotalk', re: new RegExp(`${HOST_START}open\\.kakao\\.com/((?:o|me)/[A-Za-z0-9]+)`, 'giu') },
  { platform: 'line', re: new RegExp(`${HOST_START}line\\.me/(?:R/)?ti/p/((?:~|@|%40)?[A-Za-z0-9._-]+)`, 'giu') },
];

/** A handle taken from a URL, and whether it is a case-sensitive code rather than a name. */
function urlHandle(platform: Platform, captured: string): { handle: string; code: boolean } {
  if (platform === 'kakaotalk') return { handle: captured, code: true }; // open-chat codes: "o/AbC1"
  if (platform === 'line') {
    const id = /^(?:~|@|%40)(.+)$/.exec(captured);
    // "~name" and "@name" are IDs; anything else is a QR-code token.
    return id ? { handle: id[1]!.toLowerCase(), code: false } : { handle: captured, code: true };
  }
  return { handle: captured.toLowerCase().replace(/\.+$/, ''), code: false };
}

/** Platform cues for labelled mentions. Latin cues are whole words; CJK cues match anywhere. */
const CUES: { platform: Platform; words: string[]; cjk?: string[]; needsAt?: boolean }[] = [
  { platform: 'instagram', words: ['instagram', 'insta', 'ig', 'ins'], cjk: ['인스타그램', '인스타'] },
  { platform: 'tiktok', words: ['tiktok', 'tik tok'], cjk: ['틱톡'] },
  { platform: 'snapchat', words: ['snapchat', 'snap', 'sc'], cjk: ['스냅챗'] },
  { platform: 'facebook', words: ['facebook', 'fb'], cjk: ['페이스북', '페북', '脸书'] },
  { platform: 'x', words: ['twitter', 'twt'], cjk: ['트위터', '推特'] },
  { platform: 'x', words: ['x'], needsAt: true },
  { platform: 'kakaotalk', words: ['kakaotalk', 'kakao talk', 'kakao', 'katalk'], cjk: ['카카오톡', '카카오', '카톡'] },
  { platform: 'wechat', words: ['wechat', 'we chat', 'weixin', 'wx', 'vx'], cjk: ['微信号', '微信'] },
  { platform: 'line', words: ['line id', 'id line'], cjk: ['라인 아이디'] },
];

/** Words between a cue and the handle: "IG nya", "akun ig", "kakao id", "카톡 아이디", "微信号". */
const FILLER = '(?:\\s*(?:-?nya|dia|id|username|user|handle|akun|account|acc|is|nih|ya|아이디|계정|号|账号))*';

function cueRegex(cue: (typeof CUES)[number]): RegExp {
  const latin = cue.words.map((w) => w.replace(/ /g, '\\s*')).join('|');
  const cjk = (cue.cjk ?? []).join('|');
  const head = cjk
    ? `(?:(?<![\\p{L}\\p{N}_])(?:${latin})(?:-?nya)?(?![\\p{L}\\p{N}])|${cjk})`
    : `(?<![\\p{L}\\p{N}_])(?:${latin})(?![\\p{L}\\p{N}])`;
  // "@handle" right after the cue and filler words, or a ":"/"=" separator and the handle;
  // before a separator up to two other short words may stand ("Insta e saj: @name").
  const tail = cue.needsAt
    ? '\\s*[:：]\\s*@([A-Za-z0-9._-]{1,30})'
    : `${FILLER}\\s*(?:@([A-Za-z0-9._-]{1,30})|(?:\\s+\\p{L}{1,8}){0,2}\\s*[:：=]\\s*@?([A-Za-z0-9._-]{1,30}))`;
  return new RegExp(head + tail, 'giu');
}

const CUE_RES = CUES.map((cue) => ({ platform: cue.platform, re: cueRegex(cue) }));
/** "LINE: name" in capitals is the app; "line: 3" in lowercase is usually a line of text. */
const LINE_CAPS = /(?<![\p{L}\p{N}_])LINE\s*[:：]\s*@?([A-Za-z0-9._-]{3,20})/gu;

/** What each labelled-mention pattern needs: "@handle" or a ":"/"=" separator before it. */
const LABEL_MARK = /[@:：=]/;

/** True when a captured mention is really the start of a URL or a display name. */
function notAHandle(text: string, end: number, captured: string, withAt: boolean): boolean {
  const next = text.slice(end, end + 2);
  if (/^[/:]/.test(next) || /\.(?:com|me|am|net)$/i.test(captured)) return true;
  // "Facebook: Dewi Fiktif" names a person, not an account.
  return !withAt && /^[A-Z]/.test(captured) && /^ [A-Z]/.test(next);
}

/** Records a handle that has the platform's shape; codes from links were shaped by their URL pattern. */
function add(found: Map<string, HandleSignal>, platform: Platform, handle: string, code = false): void {
  if (!code && !HANDLE_SHAPE[platform].test(handle)) return;
  found.set(`${platform}:${handle}`, { platform, handle });
}

function findUrlHandles(text: string, found: Map<string, HandleSignal>): void {
  for (const { platform, re, notProfiles } of URLS) {
    for (const m of text.matchAll(re)) {
      const captured = m[1] ?? '';
      if (notProfiles?.has(captured.toLowerCase())) continue;
      const { handle, code } = urlHandle(platform, captured);
      add(found, platform, handle, code);
    }
  }
}

function findLabelledHandles(text: string, found: Map<string, HandleSignal>): void {
  const res = [...CUE_RES, { platform: 'line' as Platform, re: LINE_CAPS }];
  for (const { platform, re } of res) {
    for (const m of text.matchAll(re)) {
      const withAt = m[1] !== undefined && platform !== 'line';
      const captured = (m[1] ?? m[2] ?? '').replace(/\.+$/, '');
      if (!captured || notAHandle(text, m.index + m[0].length, captured, withAt)) continue;
      add(found, platform, captured.toLowerCase());
    }
  }
}

/** Social-media handles in a (PII-normalized) text, de-duplicated, URLs first. */
export function findHandles(text: string): HandleSignal[] {
  const found = new Map<string, HandleSignal>();
  // Every profile link has a path; every labelled mention an "@" or a separator.
  if (text.includes('/')) findUrlHandles(text, found);
  if (LABEL_MARK.test(text)) findLabelledHandles(text, found);
  return [...found.values()];
}
