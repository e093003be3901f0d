/**
 * Benchmark dispatcher: `npm run bench -- <name> [--json] [options]`.
 * Each benchmark lives in bench/<name>.ts and exports `run(args: string[])`.
 * Human-readable figures go to stdout; with --json the last line printed is
 * one JSON object of figures.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--json] [options]\navailable: ${available.join(', ')}`);
  process.exit(name ? 2 : 1);
}
const mod = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as { run: (args: string[]) => Promise<void> };
await mod.run(args);
