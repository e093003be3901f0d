/**
 * RFC 3161 timestamps of tree heads from a configured Time-Stamp Authority (TSA).
 *
 * The request carries SHA-256 of the tree head's signed bytes (tree-head.ts), a random
 * 64-bit nonce, and certReq so the reply includes the TSA certificate. A reply is
 * accepted when its status is granted (or grantedWithMods) and the TSTInfo inside the
 * token holds the same hash and nonce. The token is stored as returned (a CMS
 * ContentInfo, DER) so anyone can check it later with standard tools:
 *
 *   openssl ts -verify -data head.bin -in token.der -token_in -CAfile tsa-ca.pem
 *
 * The CMS signature itself is not verified here; that needs the TSA's CA, which is the
 * verifier's decision, and `openssl ts -verify` does it well.
 */
import { createHash, randomBytes } from 'node:crypto';
import { bytesEqual, toHex } from './bytes.js';
import {
  boolean,
  children,
  contextTag,
  type DerElement,
  DerError,
  decodeBitString,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  decodeUtf8,
  expect,
  integer,
  nullValue,
  octetString,
  oid,
  readDer,
  sequence,
  TAG,
} from './der.js';

export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';

const STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];
const FAILURE_NAMES: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

export class TimestampError extends Error {
  override name = 'TimestampError';
}

export interface TimestampRequest {
  /** The DER TimeStampReq, as sent. */
  der: Uint8Array;
  hash: Uint8Array;
  nonce: bigint | null;
}

/** What a token says (read, not signature-checked). */
export interface TimestampTokenInfo {
  genTime: Date;
  /** The TSA's serial number for the token, hex. */
  serialNumber: string;
  policy: string;
  hashAlgorithm: string;
  hash: Uint8Array;
  nonce: bigint | null;
}

export interface Timestamp {
  /** The TimeStampToken (CMS ContentInfo), DER: the thing to store. */
  token: Uint8Array;
  info: TimestampTokenInfo;
  request: TimestampRequest;
}

/** A TimeStampReq for a SHA-256 hash. The nonce is random unless given (null: none). */
export function buildTimestampRequest(hash: Uint8Array, nonce: bigint | null = randomNonce()): TimestampRequest {
  if (hash.length !== 32) throw new TypeError('a SHA-256 hash is 32 bytes');
  const imprint = sequence(sequence(oid(OID_SHA256), nullValue()), octetString(hash));
  const parts = [integer(1), imprint];
  if (nonce !== null) parts.push(integer(nonce));
  parts.push(boolean(true)); // certReq: include the TSA certificate in the reply
  return { der: sequence(...parts), hash, nonce };
}

function randomNonce(): bigint {
  return BigInt(`0x${randomBytes(8).toString('hex')}`);
}

/**
 * Reads a TimeStampResp: the status must be granted and the token must answer
 * `request` (same hash, same nonce). Returns the token and what it says.
 */
export function readTimestampReply(reply: Uint8Array, request: TimestampRequest): Timestamp {
  const [statusInfo, token] = parse('TimeStampResp', () =>
    children(expect(readDer(reply), TAG.SEQUENCE, 'TimeStampResp')),
  );
  const status = parse('PKIStatusInfo', () => readStatus(expect(statusInfo, TAG.SEQUENCE, 'PKIStatusInfo')));
  if (status.code !== 0 && status.code !== 1) {
    const name = STATUS_NAMES[status.code] ?? `status ${status.code}`;
    const detail = [...status.failures, ...status.text].join('; ');
    throw new TimestampError(`the TSA refused the request: ${name}${detail ? ` (${detail})` : ''}`);
  }
  if (!token) throw new TimestampError('the TSA granted the request but sent no token');
  const info = checkTimestampToken(token.bytes, request.hash, request.nonce);
  return { token: token.bytes.slice(), info, request };
}

/** Reads a stored token and checks it is for `hash` (and `nonce`, when given). */
export function checkTimestampToken(token: Uint8Array, hash: Uint8Array, nonce?: bigint | null): TimestampTokenInfo {
  const info = readTimestampToken(token);
  if (info.hashAlgorithm !== OID_SHA256)
    throw new TimestampError(`the token hashes with ${info.hashAlgorithm}, not SHA-256`);
  if (!bytesEqual(info.hash, hash)) {
    throw new TimestampError(`the token is for hash ${toHex(info.hash)}, not ${toHex(hash)}`);
  }
  if (nonce !== undefined && nonce !== null && info.nonce !== nonce) {
    throw new TimestampError('the token does not carry the nonce of the request (a replayed reply?)');
  }
  return info;
}

/** What a TimeStampToken says, without checking its signature. */
export function readTimestampToken(token: Uint8Array): TimestampTokenInfo {
  return parse('TimeStampToken', () => {
    const [type, content] = children(expect(readDer(token), TAG.SEQUENCE, 'ContentInfo'));
    if (decodeOid(expect(type, TAG.OID, 'contentType')) !== OID_SIGNED_DATA) throw new DerError('not CMS SignedData');
    const [signedData] = children(expect(content, contextTag(0), 'content'));
    const encap = children(expect(signedData, TAG.SEQUENCE, 'SignedData'))[2];
    const [eType, eContent] = children(expect(encap, TAG.SEQUENCE, 'encapContentInfo'));
    if (decodeOid(expect(eType, TAG.OID, 'eContentType')) !== OID_TST_INFO) throw new DerError('not a TSTInfo');
    const [octets] = children(expect(eContent, contextTag(0), 'eContent'));
    return readTstInfo(readDer(expect(octets, TAG.OCTET_STRING, 'eContent').content));
  });
}

function readTstInfo(tstInfo: DerElement): TimestampTokenInfo {
  const [version, policy, imprint, serial, genTime, ...rest] = children(expect(tstInfo, TAG.SEQUENCE, 'TSTInfo'));
  if (decodeInteger(version!) !== 1n) throw new DerError('unknown TSTInfo version');
  const [algorithm, hashed] = children(expect(imprint, TAG.SEQUENCE, 'messageImprint'));
  const [algorithmOid] = children(expect(algorithm, TAG.SEQUENCE, 'hashAlgorithm'));
  // After genTime: accuracy (SEQUENCE) and ordering (BOOLEAN) are optional, then the nonce.
  const nonce = rest.find((e) => e.tag === TAG.INTEGER);
  return {
    genTime: decodeGeneralizedTime(genTime!),
    serialNumber: decodeInteger(serial!).toString(16),
    policy: decodeOid(policy!),
    hashAlgorithm: decodeOid(algorithmOid!),
    hash: expect(hashed, TAG.OCTET_STRING, 'hashedMessage').content.slice(),
    nonce: nonce ? decodeInteger(nonce) : null,
  };
}

function readStatus(info: DerElement): { code: number; text: string[]; failures: string[] } {
  const [status, ...rest] = children(info);
  const text: string[] = [];
  const failures: string[] = [];
  for (const element of rest) {
    if (element.tag === TAG.SEQUENCE) text.push(...children(element).map(decodeUtf8));
    if (element.tag === TAG.BIT_STRING)
      failures.push(...decodeBitString(element).map((b) => FAILURE_NAMES[b] ?? `failure bit ${b}`));
  }
  return { code: Number(decodeInteger(expect(status, TAG.INTEGER, 'PKIStatus'))), text, failures };
}

function parse<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TimestampError) throw err;
    throw new TimestampError(`malformed ${what}: ${(err as Error).message}`, { cause: err });
  }
}

// ---- HTTP ----

export interface TimestampClientOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Replies larger than this are refused (default 1 MiB). */
  maxReplyBytes?: number;
  fetch?: typeof fetch;
}

/** Asks the TSA at `url` (RFC 3161 over HTTP POST) to timestamp SHA-256 of `data`. */
export async function requestTimestamp(
  url: string,
  data: Uint8Array,
  options: TimestampClientOptions = {},
): Promise<Timestamp> {
  const request = buildTimestampRequest(createHash('sha256').update(data).digest());
  const reply = await post(url, request.der, options);
  return readTimestampReply(reply, request);
}

/** A timestamper for the evidence log (log-store.ts): data in, stored token out. */
export function tsaTimestamper(url: string, options: TimestampClientOptions = {}) {
  return async (data: Uint8Array): Promise<Uint8Array> => (await requestTimestamp(url, data, options)).token;
}

async function post(url: string, body: Uint8Array, options: TimestampClientOptions): Promise<Uint8Array> {
  const target = new URL(url);
  const headers: Record<string, string> = {
    'content-type': 'application/timestamp-query',
    accept: 'application/timestamp-reply',
  };
  // fetch refuses URLs with credentials; TSAs that need them take HTTP basic auth.
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    headers.authorization = `Basic ${Buffer.from(`${user}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const where = `TSA ${target.origin}${target.pathname}`; // never the credentials
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(target, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new TimestampError(`${where} unreachable: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new TimestampError(`${where} answered HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/timestamp-(reply|response)\b/i.test(type)) {
    throw new TimestampError(`${where} answered ${type || 'no content type'}, not application/timestamp-reply`);
  }
  return readLimited(response, options.maxReplyBytes ?? 1 << 20, where);
}

async function readLimited(response: Response, limit: number, where: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return new Uint8Array(0);
  for await (const chunk of response.body) {
    total += chunk.length;
    if (total > limit) throw new TimestampError(`${where} sent a reply over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
