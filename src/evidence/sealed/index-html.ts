/**
 * index.html of an evidence package: a readable summary for a police officer or a
 * court clerk. Self-contained and script-free. Thumbnails are blurred and greyscale,
 * made only from clear packages, never for child material, and marked as a viewing
 * aid: the evidence is the file the manifest hashes, not the thumbnail.
 */
import sharp from 'sharp';
import { DEFAULT_MEDIA_LIMITS } from '../../media/limits.js';
import { isImageFormat, sniffFormat } from '../../media/sniff.js';
import { CSP, escapeHtml } from '../../pipeline/report-html.js';
import type { Manifest, ManifestItem } from './manifest.js';

export async function renderPackageIndex(
  manifest: Manifest,
  opened: readonly { id: string; mediaBytes: Uint8Array | null }[],
): Promise<string> {
  const bytes = new Map(opened.map((o) => [o.id, o.mediaBytes]));
  const rows: string[] = [];
  for (const item of manifest.items) rows.push(await itemRow(item, bytes.get(item.record.id) ?? null, manifest));
  const head = manifest.log.tree_head;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="referrer" content="no-referrer">
<title>Evidence package ${escapeHtml(manifest.package_id)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}code{font-size:12px;word-break:break-all}
.muted{color:#666}img{filter:none;border:1px solid #999}</style></head><body>
<h1>Evidence package</h1>
<p>Package <code>${escapeHtml(manifest.package_id)}</code>, made ${escapeHtml(manifest.created_at)} by Perisai ${escapeHtml(manifest.tool_version)}.
Cases: ${manifest.cases.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}.
Items: ${manifest.items.length}, ${manifest.recipient.sealed ? `sealed to the recipient key with SHA-256 <code>${escapeHtml(manifest.recipient.public_key_sha256)}</code>` : 'in clear'}.</p>
<p>Signed tree head: size ${head.treeSize}, root <code>${escapeHtml(head.rootHash)}</code>, signed ${escapeHtml(new Date(head.timestamp).toISOString())}, log id <code>${escapeHtml(head.logId)}</code>.
Check everything offline with <code>perisai evidence verify package.zip</code>.</p>
<p class="muted">Previews are blurred greyscale viewing aids made at export: they are not evidence and are not hashed into any record.
The evidence is each item's files, listed with their SHA-256 in manifest.json. Child sexual abuse material is never previewed.</p>
<table><thead><tr><th>Item</th><th>Captured</th><th>From</th><th>Hashes</th><th>Custody</th><th>Preview</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}

async function itemRow(item: ManifestItem, media: Uint8Array | null, manifest: Manifest): Promise<string> {
  const r = item.record;
  const custody = item.custody
    .map(
      (c) =>
        `${escapeHtml(c.event.at)} ${escapeHtml(c.event.action)} by ${escapeHtml(c.event.actor.kind)}:${escapeHtml(c.event.actor.id)} (${escapeHtml(c.event.purpose)})`,
    )
    .join('<br>');
  return `<tr><td><code>${escapeHtml(r.id)}</code><br>case <code>${escapeHtml(r.caseId)}</code><br>${escapeHtml(r.category)}</td>
<td>${escapeHtml(r.capturedAt)}<br>by ${escapeHtml(r.capturedBy.kind)}:${escapeHtml(r.capturedBy.id)}</td>
<td>${escapeHtml(r.source.kind)}<br>chat <code>${escapeHtml(r.source.chatId)}</code> message <code>${escapeHtml(r.source.messageId)}</code></td>
<td>SHA-256 <code>${escapeHtml(r.sha256 ?? 'no media')}</code><br>MD5 <code>${escapeHtml(r.md5 ?? '')}</code>${r.hashes?.pdq ? `<br>PDQ <code>${escapeHtml(r.hashes?.pdq.hex)}</code>` : ''}<br>log entry #${item.inclusion.leaf_index}</td>
<td>${custody}</td><td>${await preview(r.category, media, manifest.recipient.sealed)}</td></tr>`;
}

async function preview(category: string, media: Uint8Array | null, sealed: boolean): Promise<string> {
  if (category === 'csam') return '<span class="muted">hash-only: not displayed</span>';
  if (sealed) return '<span class="muted">sealed: open with the recipient key</span>';
  if (!media) return '<span class="muted">no media</span>';
  if (!isImageFormat(sniffFormat(media.subarray(0, 512))) || sniffFormat(media.subarray(0, 512)) === 'heic') {
    return '<span class="muted">no preview</span>';
  }
  try {
    const jpeg = await sharp(media, { limitInputPixels: DEFAULT_MEDIA_LIMITS.maxPixels, failOn: 'error' })
      .rotate()
      .resize(160, 160, { fit: 'inside' })
      .flatten()
      .greyscale()
      .toColourspace('b-w')
      .blur(8)
      .jpeg({ quality: 50 })
      .toBuffer();
    return `<img alt="blurred preview (a viewing aid, not evidence)" src="data:image/jpeg;base64,${jpeg.toString('base64')}">`;
  } catch {
    return '<span class="muted">unreadable</span>';
  }
}
