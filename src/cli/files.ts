/** Expands CLI path arguments: files as given, directories walked recursively in sorted order. */
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type PathItem = { path: string; error?: undefined } | { path: string; error: string };

export async function* expandPaths(paths: string[]): AsyncGenerator<PathItem> {
  for (const p of paths) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (err) {
      yield { path: p, error: describeFsError(err) };
      continue;
    }
    if (st.isDirectory()) yield* walk(p);
    else yield { path: p };
  }
}

async function* walk(dir: string): AsyncGenerator<PathItem> {
  let names: { name: string; dir: boolean; file: boolean }[];
  try {
    const handle = await opendir(dir);
    names = [];
    for await (const e of handle) names.push({ name: e.name, dir: e.isDirectory(), file: e.isFile() });
  } catch (err) {
    yield { path: dir, error: describeFsError(err) };
    return;
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of names) {
    if (e.name.startsWith('.')) continue; // .DS_Store, .git and friends
    const p = join(dir, e.name);
    if (e.dir) yield* walk(p);
    else if (e.file) yield { path: p };
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error)?.message ?? String(err);
}
