/**
 * Fetching media from a client-given URL (HMA's `url=` parameters).
 *
 * Off unless PERISAI_ALLOW_URL_FETCH=1: a server that fetches whatever URL it
 * is handed can be turned against the network it sits in (SSRF: cloud
 * metadata endpoints, admin panels on localhost). When on, HMA's URL rules
 * apply, PERISAI_URL_FETCH_HOSTS can narrow the allowed hosts, and the size
 * limit is enforced while streaming.
 */
import { HttpError } from './errors.js';
import type { HmaContentType } from './hma/signals.js';

export const URL_FETCH_DISABLED = 'fetching media by URL is disabled';

const TIMEOUT_MS = 30_000;

export interface FetchedMedia {
  data: Buffer;
  contentType: HmaContentType;
}

export interface UrlFetchOptions {
  allow: boolean;
  maxBytes: number;
  /** Content type given by the client; otherwise taken from the response header. */
  contentType?: HmaContentType;
  /** Hosts allowed (a host or its subdomains); empty allows every host. */
  allowedHosts?: readonly string[];
}

export async function fetchMedia(url: string, options: UrlFetchOptions): Promise<FetchedMedia> {
  if (!options.allow) throw new HttpError(400, URL_FETCH_DISABLED);
  const target = checkUrl(url, options.allowedHosts ?? allowedHostsFromEnv());
  let response: Response;
  try {
    response = await fetch(target, { redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new HttpError(400, `Failed to fetch URL: ${(err as Error).message}`);
  }
  if (!response.ok) throw new HttpError(400, `Failed to fetch URL: ${response.status} ${response.statusText}`);
  const contentType = options.contentType ?? kindOf(response.headers.get('content-type'));
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw new HttpError(413, 'Content too large');
  }
  return { data: await readCapped(response, options.maxBytes), contentType };
}

function allowedHostsFromEnv(): string[] {
  return (process.env.PERISAI_URL_FETCH_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/** HMA's is_valid_url: http(s), a host, a numeric port if any, and an allowed host. */
function checkUrl(url: string, allowedHosts: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpError(400, 'Invalid or unsafe URL provided');
  }
  const host = parsed.hostname.toLowerCase();
  const okScheme = parsed.protocol === 'http:' || parsed.protocol === 'https:';
  const okHost =
    host !== '' && (allowedHosts.length === 0 || allowedHosts.some((h) => host === h || host.endsWith(`.${h}`)));
  if (!okScheme || !okHost || parsed.username || parsed.password) {
    throw new HttpError(400, 'Invalid or unsafe URL provided');
  }
  return parsed;
}

function kindOf(header: string | null): HmaContentType {
  const ct = (header ?? '').toLowerCase();
  if (ct.startsWith('image')) return 'photo';
  if (ct.startsWith('video')) return 'video';
  throw new HttpError(
    400,
    `unsupported url ContentType: '${header ?? ''}', if you know the expected type, provide it with the content_type query param`,
  );
}

async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new HttpError(413, 'Content too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
