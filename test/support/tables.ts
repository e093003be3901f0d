/** Readers for the expected-hash tables. */
import { readFileSync } from 'node:fs';

export function readCsv(path: string): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0]!);
  return lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/** Splits one CSV line, honouring double-quoted fields with commas and "" escapes. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** Headerless `hash,quality,path` rows as the reference CLI prints them. */
export function readHashLines(path: string): { hash: string; quality: number; file: string }[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => /^[0-9a-f]{64},/.test(l))
    .map((l) => {
      const [hash, quality, ...rest] = l.split(',');
      return { hash: hash!, quality: Number(quality), file: rest.join(',') };
    });
}

/** Headerless dihedral rows: 8 hashes, quality, path. */
export function readDihedralLines(path: string): { hashes: string[]; quality: number; file: string }[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => /^[0-9a-f]{64},/.test(l))
    .map((l) => {
      const cells = l.split(',');
      return { hashes: cells.slice(0, 8), quality: Number(cells[8]), file: cells.slice(9).join(',') };
    });
}
