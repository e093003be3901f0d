/**
 * The session cookie: reading it from a Cookie header and writing Set-Cookie.
 * Small enough to own rather than add a dependency; the rules are RFC 6265's
 * "cookie-string" (pairs split on ";", first "=" splits name from value).
 */

export const SESSION_COOKIE = 'perisai_session';

/**
 * Cookie values by name from a Cookie header. The first occurrence of a name
 * wins (browsers send the most specific path first). Malformed pairs are
 * skipped, never thrown on: the header is attacker-controlled.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!name || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(name, decode(value));
  }
  return cookies;
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Set-Cookie for a session: Secure (browsers also accept it on http://localhost),
 * HttpOnly (no script can read it), SameSite=Strict (never sent on cross-site
 * requests, which is the CSRF defence), Path=/.
 */
export function sessionCookie(token: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}; HttpOnly; Secure; SameSite=Strict`;
}

/** Set-Cookie that makes the browser forget the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
