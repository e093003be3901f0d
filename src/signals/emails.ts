/**
 * E-mail addresses, including the obfuscated forms people use to dodge filters:
 * "name (at) example [dot] com", "name [at] example.com", "name@example dot com",
 * "name at example dot com". Output is lowercased and de-duplicated.
 */

const LOCAL = '[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_])?';
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const OPEN = '[(\\[{<]';
const CLOSE = '[)\\]}>]';
const AT = `(?:@|\\s@\\s|\\s*${OPEN}\\s*(?:at|@)\\s*${CLOSE}\\s*|\\s+at\\s+)`;
const DOT = `(?:\\.|\\s*${OPEN}\\s*(?:dot|\\.)\\s*${CLOSE}\\s*|\\s+dot\\s+)`;
/** "lily dot fict at …": dots in the local part may be spelled out too. */
const LOCAL_SPELLED = `${LOCAL}(?:\\s+dot\\s+${LOCAL}){0,3}`;
const EMAIL = new RegExp(
  `(?<![a-z0-9._%+-])(${LOCAL_SPELLED})(${AT})((?:${LABEL}${DOT}){1,6})([a-z]{2,24})(?![a-z0-9-]|\\.[a-z0-9])`,
  'giu',
);

/**
 * Top-level domains accepted in obfuscated forms. A plain "a@b.xyz" can end in
 * anything; "meet at home dot now" must not become an address.
 */
const COMMON_TLDS = new Set(
  (
    'com org net edu gov info biz io co me app dev xyz online site mail ' +
    'id my kr cn tw hk sg al xk uk us au ca de fr nl it es ru jp in ph th vn'
  ).split(' '),
);

function isPlain(separator: string): boolean {
  return separator.trim() === '@' || separator === '.';
}

/** The address with its separators read back as "@" and ".". */
function canonical(local: string, domainLabels: string, tld: string): string {
  const labels = domainLabels.split(new RegExp(DOT, 'iu')).filter((l) => l !== '');
  return `${local.replace(/\s+dot\s+/giu, '.')}@${[...labels, tld].join('.')}`.toLowerCase();
}

/** Accepts an obfuscated form only with a common TLD, and a bare " at " only with a real-looking local part. */
function plausible(local: string, at: string, domainLabels: string, tld: string): boolean {
  const dots = domainLabels.match(new RegExp(DOT, 'giu')) ?? [];
  const spelledLocal = /\s+dot\s+/iu.test(local);
  const obfuscated = spelledLocal || !isPlain(at) || dots.some((d) => !isPlain(d));
  if (!obfuscated) return true;
  if (!COMMON_TLDS.has(tld.toLowerCase())) return false;
  // "meet at example.com" is a sentence; "jane.doe at example.com" is an address.
  const bareAt = /^\s+at\s+$/i.test(at);
  const dottedObfuscated = spelledLocal || dots.some((d) => !isPlain(d));
  return !bareAt || dottedObfuscated || /[._\d]/.test(local);
}

/** E-mail addresses in a (PII-normalized) text. */
export function findEmails(text: string): string[] {
  const found = new Set<string>();
  const re = new RegExp(EMAIL.source, EMAIL.flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [, local = '', at = '', domainLabels = '', tld = ''] = m;
    if (plausible(local, at, domainLabels, tld)) found.add(canonical(local, domainLabels, tld));
    // A refused "her at jane.doe" must not swallow the "jane.doe (at) …" that overlaps it.
    else re.lastIndex = m.index + 1;
  }
  return [...found];
}
