/**
 * Sends notices by e-mail over SMTP (nodemailer). A thin adapter behind
 * `NoticeMailer`, so the sending logic is tested against a real SMTP server on
 * loopback and could take another transport later.
 *
 * The SMTP URL carries credentials (smtps://user:password@host:465): it is never
 * logged, and errors are reduced to nodemailer's message and SMTP response code.
 */
import nodemailer from 'nodemailer';

export interface OutgoingNotice {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** BCP 47 tag of the notice's language, sent as Content-Language. */
  language: string;
  replyTo?: string | undefined;
  /** Message-ID of the first notice, so reminders thread under it. */
  inReplyTo?: string | undefined;
  /** Reminders are sent by the scheduler: marked Auto-Submitted (RFC 3834). */
  automatic: boolean;
  /** Perisai's reference of the takedown, as X-Perisai-Takedown. */
  reference: string;
}

export interface SentNotice {
  messageId: string;
  accepted: string[];
}

export interface NoticeMailer {
  send(notice: OutgoingNotice): Promise<SentNotice>;
  close(): void;
}

export class MailDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

export interface SmtpConfig {
  /** smtp://host:587, smtps://user:pass@host:465 (nodemailer's URL form). */
  url: string;
  /** The From address: "Helpline A <takedowns@helpline.example>". */
  from: string;
}

/** PERISAI_SMTP_URL and PERISAI_SMTP_FROM, or null when sending by e-mail is not configured. */
export function smtpConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  const url = env.PERISAI_SMTP_URL?.trim();
  if (!url) return null;
  const from = env.PERISAI_SMTP_FROM?.trim();
  if (!from) throw new Error("PERISAI_SMTP_URL is set but PERISAI_SMTP_FROM (the notices' From address) is not");
  if (!/^smtps?:\/\//.test(url)) throw new Error('PERISAI_SMTP_URL must start with smtp:// or smtps://');
  return { url, from };
}

export function smtpMailer(config: SmtpConfig): NoticeMailer {
  const transport = nodemailer.createTransport(config.url);
  return {
    async send(notice) {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: notice.to,
          subject: notice.subject,
          text: notice.text,
          html: notice.html,
          ...(notice.replyTo ? { replyTo: notice.replyTo } : {}),
          ...(notice.inReplyTo ? { inReplyTo: notice.inReplyTo, references: [notice.inReplyTo] } : {}),
          headers: {
            'Content-Language': notice.language,
            'X-Perisai-Takedown': notice.reference,
            ...(notice.automatic ? { 'Auto-Submitted': 'auto-generated' } : {}),
          },
        });
        return { messageId: info.messageId, accepted: info.accepted.map(String) };
      } catch (err) {
        throw new MailDeliveryError(describeSmtpError(err));
      }
    },
    close: () => transport.close(),
  };
}

/** nodemailer's message without anything that could hold the URL's credentials. */
function describeSmtpError(err: unknown): string {
  const e = err as { message?: unknown; responseCode?: unknown; code?: unknown };
  const code = typeof e.responseCode === 'number' ? ` (SMTP ${e.responseCode})` : '';
  const kind = typeof e.code === 'string' ? `${e.code}: ` : '';
  const message = typeof e.message === 'string' ? e.message.replace(/\/\/[^@/\s]*@/g, '//***@') : 'unknown error';
  return `the notice could not be sent: ${kind}${message}${code}`;
}
