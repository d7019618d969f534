// X9: a logo's real type, from its first bytes (never the file name or the browser's claim). Only
// raster formats: SVG can carry scripts and is refused, like anything else unrecognised.

const SIGNATURES: { type: string; test: (b: Uint8Array) => boolean }[] = [
  {
    type: 'image/png',
    test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/webp',
    test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  },
];

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** image/png, image/jpeg or image/webp; undefined for anything else (SVG included). */
export function imageTypeOf(bytes: Uint8Array): string | undefined {
  if (bytes.length < 12) return undefined;
  return SIGNATURES.find((s) => s.test(bytes))?.type;
}
