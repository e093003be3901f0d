/**
 * Helpers for the package tests: re-signing a changed manifest with the log key (an
 * operator who holds the key and forges a package), the failed checks of a verdict
 * for assertion messages, and the manifest of a read package.
 */
import { createHash, sign } from 'node:crypto';
import type { LogKey } from '../../../src/evidence/log/log-key.js';
import type { Manifest } from '../../../src/evidence/sealed/manifest.js';
import type { Verdict } from '../../../src/evidence/sealed/verify.js';
import { readZip, writeZip } from '../../../src/evidence/sealed/zip.js';

/**
 * The package with its manifest (and files) changed by `edit`, then signed again with
 * the log key: every file hash and the signature are right, so only the checks that
 * tie records to the log and content to records can catch the change.
 */
export async function forge(
  zip: Buffer,
  key: LogKey,
  edit: (manifest: Manifest, files: Map<string, Buffer>) => void,
): Promise<Buffer> {
  const files = await readZip(zip);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  edit(manifest, files);
  for (const name of Object.keys(manifest.files)) {
    manifest.files[name] = createHash('sha256').update(files.get(name)!).digest('hex');
  }
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  files.set('manifest.json', bytes);
  files.set('manifest.sig', Buffer.from(sign(null, bytes, key.privateKey).toString('hex')));
  return writeZip([...files].map(([name, data]) => ({ name, data })));
}

export function failures(verdict: Verdict): string {
  return verdict.checks
    .filter((c) => !c.ok)
    .map((c) => c.what)
    .join('\n');
}

export function manifestOf(files: Map<string, Buffer>): Manifest {
  return JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
}
