/** Content sniffing by magic bytes: file names lie, headers rarely do. */
export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif' | 'heic' | 'bmp' | 'video' | 'unknown';

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const VIDEO_BRANDS = new Set([
  'isom',
  'iso2',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'mp71',
  'avc1',
  'qt  ',
  'M4V ',
  'M4VP',
  '3gp4',
  '3gp5',
  '3gp6',
  '3g2a',
  'dash',
  'f4v ',
  'MSNV',
  'XAVC',
  'mmp4',
]);

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, end));
}

function startsWith(b: Uint8Array, sig: number[], offset = 0): boolean {
  if (b.length < offset + sig.length) return false;
  return sig.every((v, i) => b[offset + i] === v);
}

export function sniffFormat(b: Uint8Array): SniffedFormat {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && b.length >= 12) {
    const kind = ascii(b, 8, 12);
    if (kind === 'WEBP') return 'webp';
    if (kind === 'AVI ') return 'video';
  }
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x42, 0x4d])) return 'bmp';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') return sniffIsoBmff(b);
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return 'video'; // Matroska / WebM
  if (startsWith(b, [0x00, 0x00, 0x01, 0xba]) || startsWith(b, [0x00, 0x00, 0x01, 0xb3])) return 'video'; // MPEG-PS
  if (b.length > 188 && b[0] === 0x47 && b[188] === 0x47) return 'video'; // MPEG-TS
  if (startsWith(b, [0x46, 0x4c, 0x56])) return 'video'; // FLV
  return 'unknown';
}

function sniffIsoBmff(b: Uint8Array): SniffedFormat {
  const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const end = Math.min(b.length, Math.max(16, boxSize));
  const brands = [ascii(b, 8, 12)];
  for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(b, p, p + 4));
  if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
  if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
  if (brands.some((x) => VIDEO_BRANDS.has(x))) return 'video';
  return 'video';
}

export function isImageFormat(f: SniffedFormat): boolean {
  return f !== 'video' && f !== 'unknown';
}
