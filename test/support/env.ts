/**
 * Test environment helpers: locating shared fixtures and system tools.
 * Locally a missing tool or fixture folder skips the test with a clear reason;
 * with CI=true it fails instead, so CI can never go green by skipping.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OWN_FIXTURES = join(PROJECT_ROOT, 'test/fixtures');
export const SHARED_FIXTURES = resolve(PROJECT_ROOT, '../shared/fixtures');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export interface SkipDecision {
  skip: string | false;
}

/** Returns `{ skip: reason }` for node:test options, or throws under CI. */
function unavailable(reason: string): SkipDecision {
  if (IN_CI) throw new Error(`${reason} (CI=true: this must not be skipped)`);
  return { skip: reason };
}

/** The shared reference fixtures folder, if present. */
export function sharedFixtures(sub = ''): SkipDecision & { dir: string } {
  const dir = join(SHARED_FIXTURES, sub);
  if (existsSync(dir)) return { skip: false, dir };
  return { ...unavailable(`shared fixtures not found at ${dir}`), dir };
}

/** A system tool on PATH (or at an env override), e.g. ffmpeg, chromium, initdb. */
export function systemTool(name: string, debianPackage: string, envVar?: string): SkipDecision & { path: string } {
  const override = envVar ? process.env[envVar] : undefined;
  if (override && existsSync(override)) return { skip: false, path: override };
  try {
    const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    if (path) return { skip: false, path };
  } catch {
    // fall through
  }
  return { ...unavailable(`${name} not found on PATH (install the Debian package ${debianPackage})`), path: '' };
}
