/**
 * The Bot API webhook route. Telegram POSTs each Update as JSON and sends the
 * secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token; that secret is
 * the route's only credential, so the route is public to the API-key hook and
 * checks the secret itself, before the body is read.
 *
 * Answers: 401 for a missing or wrong secret, 400 for a body that is not an
 * Update, 503 with Retry-After when the receiver is full (Telegram delivers the
 * update again later), 200 otherwise, at once: the work happens after.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from './fields.js';
import type { UpdateVerdict } from './source.js';
import { isUpdate } from './update.js';

export interface TelegramWebhookOptions {
  /** Default /telegram/webhook. */
  path?: string;
  /** The secret_token given to setWebhook: 1–256 characters of A–Z, a–z, 0–9, _ and -. */
  secretToken: string;
  /** Takes one Update (e.g. `(u) => source.push(u)`). */
  onUpdate: (update: JsonObject & { update_id: number }) => UpdateVerdict | Promise<UpdateVerdict>;
  /** Default 1 MiB; an update is a few KiB. */
  bodyLimit?: number;
}

export const DEFAULT_WEBHOOK_PATH = '/telegram/webhook';
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

export function registerTelegramWebhook(app: FastifyInstance, options: TelegramWebhookOptions): void {
  // Telegram accepts only this alphabet; refusing others here fails closed on an empty secret.
  if (!SECRET_SHAPE.test(options.secretToken)) {
    throw new Error('Telegram webhook secret must be 1–256 characters of A–Z, a–z, 0–9, "_" and "-"');
  }
  const expected = digest(options.secretToken);
  app.post(
    options.path ?? DEFAULT_WEBHOOK_PATH,
    {
      config: { public: true },
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      schema: { hide: true },
      onRequest: async (request, reply) => {
        if (secretMatches(request, expected)) return;
        reply.code(401).send({ message: `missing or wrong ${SECRET_HEADER} header` });
        return reply;
      },
    },
    async (request, reply) => answer(request, reply, options.onUpdate),
  );
}

async function answer(request: FastifyRequest, reply: FastifyReply, onUpdate: TelegramWebhookOptions['onUpdate']) {
  const body = request.body;
  if (!isUpdate(body)) return reply.code(400).send({ message: 'the body is not a Telegram Update (no update_id)' });
  const verdict = await onUpdate(body);
  if (verdict.accepted) return reply.code(200).send();
  return reply
    .code(503)
    .header('retry-after', String(verdict.retryAfterS))
    .send({ message: `not accepted now: ${verdict.reason}` });
}

/** Compared as SHA-256 digests: equal lengths for timingSafeEqual, and the time says nothing about the length. */
function secretMatches(request: FastifyRequest, expected: Buffer): boolean {
  const presented = request.headers[SECRET_HEADER];
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(presented), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
