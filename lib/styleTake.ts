/**
 * "Another take": the same layout and style with a new noise sample. A take is the style's z moved
 * by seeded Gaussian noise, z + TAKE_SPREAD * n(seed), so the server (renders, votes) and every
 * browser (previews) compute the same z from a style and a seed, and a take can be proposed to the
 * room's vote by id (`take:<style id>:<seed>`) without storing anything.
 */
import { mulberry32 } from './prng';

export const TAKE_PREFIX = 'take:';
export const MAX_TAKE_SEED = 2 ** 31 - 1;
/**
 * How far a take moves z (noise of this standard deviation per component). Looked at on the
 * shipped model: 0.5 changes little, 1 changes the light, clouds and reflections while the time of
 * day and the season stay, 1.5 and more start to lose the painted regions (a lake fades).
 */
export const TAKE_SPREAD = 1;

/** z moved by `sign` times the seed's noise. */
function moved(z: ArrayLike<number>, seed: number, sign: 1 | -1): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(z.length);
  const k = sign * TAKE_SPREAD;
  for (let i = 0; i < z.length; i += 2) {
    // Box-Muller: two normal samples from two uniforms (1 - u keeps log's argument above 0).
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    out[i] = z[i] + k * r * Math.cos(angle);
    if (i + 1 < z.length) out[i + 1] = z[i + 1] + k * r * Math.sin(angle);
  }
  return out;
}

export function takeZ(z: ArrayLike<number>, seed: number): Float32Array {
  return moved(z, seed, 1);
}

/**
 * The z a style's takes start from: for a take (a room may have voted for one), its z less its
 * noise, so a take of a take is a take of the original style, as its id says.
 */
export function baseZ(styleId: string, z: ArrayLike<number>): Float32Array {
  const take = parseTakeId(styleId);
  return take ? moved(z, take.seed, -1) : Float32Array.from(z);
}

export function takeId(baseStyleId: string, seed: number): string {
  return `${TAKE_PREFIX}${baseStyleId}:${seed}`;
}

/** `take:<base>:<seed>` -> its parts, or null for any other id (a take of a take is not one). */
export function parseTakeId(styleId: string): { base: string; seed: number } | null {
  if (!styleId.startsWith(TAKE_PREFIX)) return null;
  const rest = styleId.slice(TAKE_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return null;
  const base = rest.slice(0, colon);
  const digits = rest.slice(colon + 1);
  if (base.startsWith(TAKE_PREFIX) || !/^[0-9]{1,10}$/.test(digits)) return null;
  const seed = Number(digits);
  return seed >= 1 && seed <= MAX_TAKE_SEED ? { base, seed } : null;
}

/** The style a take starts from: a take's base, or the style itself. */
export function baseStyleOf(styleId: string): string {
  return parseTakeId(styleId)?.base ?? styleId;
}
