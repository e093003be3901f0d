/** What a new takedown must look like: validated before anything is stored. */
import { z } from 'zod';
import { TAKEDOWN_LANGUAGES, TAKEDOWN_PLATFORMS, type TakedownPlatform } from '../../db/schema-takedowns.js';
import { TakedownError } from './errors.js';

const webUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s/]+/i.test(u) && URL.canParse(u), 'must be an http(s) URL');
const shortText = (max: number) => z.string().trim().min(1).max(max);

export const takedownItemInput = z
  .strictObject({
    url: webUrl.optional(),
    chat: shortText(300).optional(),
    message_id: shortText(100).optional(),
    description: shortText(1000).optional(),
  })
  .refine((i) => Object.values(i).some(Boolean), 'an item needs a url, chat, message_id or description');

export const newTakedownInput = z.strictObject({
  organisationId: z.number().int().positive(),
  caseId: z.number().int().positive().nullable().optional(),
  platform: z.enum(TAKEDOWN_PLATFORMS),
  host: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9.-]{1,253}$/, 'host must be a domain name such as t.me or example-host.net')
    .optional(),
  recipient: z.email().max(320).nullable().optional(),
  targetUrl: webUrl.nullable().optional(),
  targetDescription: z.string().trim().max(2000).optional(),
  items: z.array(takedownItemInput).min(1).max(500),
  language: z.enum(TAKEDOWN_LANGUAGES),
  legalBasis: shortText(2000),
  evidenceRef: shortText(500).nullable().optional(),
  renoticeIntervalHours: z.number().int().min(1).max(8760).nullable().optional(),
});
export type NewTakedownInput = z.input<typeof newTakedownInput>;
export type ValidTakedownInput = z.output<typeof newTakedownInput>;

/** Where the platforms' own content lives, when neither a host nor a URL says. */
const PLATFORM_HOSTS: Partial<Record<TakedownPlatform, string>> = {
  telegram: 't.me',
  whatsapp: 'whatsapp.com',
  meta: 'facebook.com',
};

export function deriveHost(input: ValidTakedownInput): string {
  if (input.host) return input.host;
  const url = input.targetUrl ?? input.items.find((i) => i.url)?.url;
  if (url) return new URL(url).hostname.toLowerCase();
  const known = PLATFORM_HOSTS[input.platform];
  if (known) return known;
  throw new TakedownError('validation', 'give the host (domain) of the content: no URL says where it is hosted');
}

/** The input validated, or a validation error naming each bad field. */
export function parseTakedownInput(input: NewTakedownInput): ValidTakedownInput {
  const parsed = newTakedownInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const summary = parsed.error.issues.map((i) => `${i.path.join('.') || 'takedown'}: ${i.message}`).join('; ');
  throw new TakedownError('validation', `invalid takedown: ${summary}`);
}
