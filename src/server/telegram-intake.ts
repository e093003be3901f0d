/**
 * Live monitoring through the Telegram Bot API: the webhook route feeds a
 * TelegramBotSource, and its messages go through the live pipeline (media
 * fetched with getFile, spooled, hashed, matched, assessed in the background).
 *
 * The route exists from the start (routes cannot be added after listening);
 * updates that arrive before the database is open wait in the source's bounded
 * buffer, and past it Telegram is told to retry (503 with Retry-After).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LivePipeline } from '../pipeline/live.js';
import { BotApiClient, registerTelegramWebhook, TelegramBotSource } from '../sources/telegram-bot/index.js';
import type { MatchingServices } from './services.js';

export interface TelegramIntakeConfig {
  token: string;
  secretToken: string;
  path?: string;
  /** Bot API base URL (default https://api.telegram.org); tests point it at a fake. */
  apiBaseUrl?: string;
  country?: string;
}

/** PERISAI_TELEGRAM_BOT_TOKEN and PERISAI_TELEGRAM_WEBHOOK_SECRET turn the intake on; both are needed. */
export function telegramIntakeFromEnv(env: NodeJS.ProcessEnv = process.env): TelegramIntakeConfig | null {
  const token = env.PERISAI_TELEGRAM_BOT_TOKEN;
  const secretToken = env.PERISAI_TELEGRAM_WEBHOOK_SECRET;
  if (!token && !secretToken) return null;
  if (!token || !secretToken) {
    throw new Error('set both PERISAI_TELEGRAM_BOT_TOKEN and PERISAI_TELEGRAM_WEBHOOK_SECRET, or neither');
  }
  return {
    token,
    secretToken,
    ...(env.PERISAI_TELEGRAM_WEBHOOK_PATH ? { path: env.PERISAI_TELEGRAM_WEBHOOK_PATH } : {}),
    ...(env.PERISAI_TELEGRAM_API_URL ? { apiBaseUrl: env.PERISAI_TELEGRAM_API_URL } : {}),
    ...(env.PERISAI_COUNTRY ? { country: env.PERISAI_COUNTRY } : {}),
  };
}

export class TelegramIntake {
  private readonly source: TelegramBotSource;
  private pipeline: LivePipeline | null = null;
  private consuming: Promise<void> | null = null;

  constructor(
    private readonly config: TelegramIntakeConfig,
    private readonly log: (message: string) => void,
  ) {
    const client = new BotApiClient({
      token: config.token,
      ...(config.apiBaseUrl ? { baseUrl: config.apiBaseUrl } : {}),
    });
    this.source = new TelegramBotSource({ client });
  }

  /** Adds the webhook route; call before the server listens. */
  register(app: FastifyInstance): void {
    registerTelegramWebhook(app, {
      secretToken: this.config.secretToken,
      ...(this.config.path ? { path: this.config.path } : {}),
      onUpdate: (update) => this.source.push(update),
    });
  }

  /** Starts storing and analysing what the webhook receives; call once the database is open. */
  start(services: MatchingServices, dataDir: string): void {
    this.pipeline = new LivePipeline(services.database, {
      matcher: services.matcher,
      spoolDir: join(dataDir, 'spool'),
      ...(this.config.country ? { country: this.config.country } : {}),
      onError: (err) => this.log(`perisai: telegram intake: ${err.message}`),
    });
    this.pipeline.start();
    this.consuming = this.consume(this.pipeline);
  }

  async stop(): Promise<void> {
    this.source.close();
    await this.consuming;
    await this.pipeline?.stop();
  }

  private async consume(pipeline: LivePipeline): Promise<void> {
    const onIssue = (issue: { kind: string; message: string }) =>
      this.log(`perisai: telegram update: ${issue.kind}: ${issue.message}`);
    for await (const message of this.source.messages(onIssue)) {
      // One message at a time: a failure (database down) is reported and the next goes on;
      // Telegram has already been answered, so the message is logged as lost, never silently.
      await pipeline.accept([message]).catch((err: unknown) => {
        this.log(
          `perisai: telegram intake: message ${message.chat.id}/${message.messageId} not stored: ${(err as Error).message}`,
        );
      });
    }
  }
}
