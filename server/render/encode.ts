import sharp from 'sharp';

export type FrameFormat = 'webp' | 'jpeg' | 'png';

export const FRAME_MIME: Record<FrameFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png' };

/** Encodes interleaved RGB bytes; WebP by default (small frames, fast to decode in browsers). */
export async function encodeFrame(rgb: Uint8Array, width: number, height: number, format: FrameFormat = 'webp'): Promise<Buffer> {
  const image = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  if (format === 'webp') return image.webp({ quality: 88, effort: 2 }).toBuffer();
  if (format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  return image.png({ compressionLevel: 6 }).toBuffer();
}
