import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PreviewGenerator, type PreviewModelJson } from '../../lib/preview/forward';

/** A preview artifact folder (its tfjs/ manifest and weights) loaded from disk, as the page loads it over HTTP. */
export async function loadPreview(dir: string): Promise<{ gen: PreviewGenerator; json: PreviewModelJson }> {
  const json = JSON.parse(readFileSync(path.join(dir, 'tfjs/model.json'), 'utf8')) as PreviewModelJson;
  const gen = await PreviewGenerator.load(json, async (p) => {
    const b = readFileSync(path.join(dir, 'tfjs', p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  });
  return { gen, json };
}
