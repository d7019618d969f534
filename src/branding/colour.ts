// X9: an accent colour is `#rrggbb` and must carry white text at WCAG AA (4.5:1), since buttons
// and links-as-buttons use it as their background with white labels.

const HEX = /^#[0-9a-f]{6}$/i;
export const AA_NORMAL_TEXT = 4.5;

/** WCAG 2.x relative luminance of an sRGB `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The contrast ratio of white text on this colour (1 to 21). */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

export type AccentCheck =
  | { ok: true; colour: string }
  | { ok: false; reason: 'format' | 'contrast'; ratio?: number };

export function checkAccent(input: string): AccentCheck {
  const colour = input.trim().toLowerCase();
  if (!HEX.test(colour)) return { ok: false, reason: 'format' };
  const ratio = contrastWithWhite(colour);
  if (ratio < AA_NORMAL_TEXT) return { ok: false, reason: 'contrast', ratio: Math.floor(ratio * 100) / 100 };
  return { ok: true, colour };
}
