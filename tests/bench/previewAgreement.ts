/**
 * How closely the browser's preview imitates the server's frame: the shipped preview (tfjs,
 * wasm, its uint8 weights, what the page runs) against the shipped server generator
 * (onnxruntime-node) on the hand-drawn fixtures (models/fixtures) with every style preset of the
 * model. The server's 256 px frame is area-downsampled to the preview's size; the preview gets
 * the label map nearest-downsampled, as in its distillation. Prints PSNR per preset and overall,
 * beside a floor: the label map filled with each class's mean server colour over all renders
 * (what a preview that drew no picture, only the right flat colours, would score). Beside the
 * presets, AGREEMENT_RANDOM (8) random style codes z ~ N(0, 1), the encoder's prior, seeded: a room
 * that votes "surprise me" or a style take lands off the presets.
 *
 *   npm run bench:agreement [-- MODELS_DIR]     (AGREEMENT_SHEET=out.png: server | preview per style)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadPreview } from '../helpers/previewModel';
import { ModelRegistry } from '../../server/models/modelRegistry';
import { mulberry32 } from '../../lib/prng';
import { log } from '../../server/log';

const root = path.resolve(import.meta.dirname, '../..');
log.level = 'warn';
const modelsDir = process.argv[2] ?? path.join(root, 'models');
const model = new ModelRegistry(modelsDir, log).list().find((m) => m.isDefault) ?? null;
if (!model?.preview) throw new Error('no default model with a preview');
const [S] = model.size;
// The preview's folder: its manifest is <folder>/tfjs/model.json, served under /models/.
const previewDir = path.dirname(path.dirname(path.join(modelsDir, model.preview.url.replace(/^\/models\//, ''))));
await tf.setBackend('wasm');
await tf.ready();
const { gen: preview, json } = await loadPreview(previewDir);
const [P] = json.config.size;
const step = S / P;

async function fixture(file: string): Promise<Uint8Array> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== S || info.height !== S) throw new Error(`${file}: ${info.width}x${info.height}, want ${S}`);
  const byColour = new Map(model!.labels.labels.map((l) => [l.color.join(','), l.id]));
  const map = new Uint8Array(S * S);
  for (let i = 0; i < S * S; i++) {
    const id = byColour.get(`${data[i * 3]},${data[i * 3 + 1]},${data[i * 3 + 2]}`);
    if (id === undefined) throw new Error(`${file}: pixel ${i} is not a palette colour`);
    map[i] = id;
  }
  return map;
}

const psnr = (a: Float64Array, b: Float64Array) => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
};

// Standard normal codes from the seeded uniform generator (Box-Muller).
const uniform = mulberry32(20261205);
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const zSize = model.presets[0].z.length;
const styles = [
  ...model.presets.map((p) => ({ id: p.id, z: Float32Array.from(p.z) })),
  ...Array.from({ length: Number(process.env.AGREEMENT_RANDOM ?? 8) }, (_, k) => ({
    id: `random ${k + 1}`,
    z: Float32Array.from({ length: zSize }, normal),
  })),
];
const server = await ort.InferenceSession.create(model.generatorPath, { intraOpNumThreads: 2 });
const fixtures = readdirSync(path.join(root, 'models', 'fixtures')).filter((f) => f.endsWith('.png'));
const rows: { preset: string; server: Float64Array; preview: Float64Array; small: Uint8Array }[] = [];
for (const f of fixtures) {
  const map = await fixture(path.join(root, 'models', 'fixtures', f));
  const small = new Uint8Array(P * P).map((_, i) => map[Math.floor(i / P) * step * S + (i % P) * step]);
  for (const { id, z } of styles) {
    const out = await server.run({ labels: new ort.Tensor('uint8', map, [1, S, S]), z: new ort.Tensor('float32', z, [1, z.length]) });
    const img = out[server.outputNames[0]].data as Float32Array;
    const down = new Float64Array(P * P * 3); // area-downsampled, interleaved RGB in 0-255
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++)
          down[(Math.floor(y / step) * P + Math.floor(x / step)) * 3 + c] += ((img[c * S * S + y * S + x] + 1) * 127.5) / (step * step);
    const { rgba } = await preview.render(small, z);
    rows.push({
      preset: id,
      server: down,
      preview: Float64Array.from({ length: P * P * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]),
      small,
    });
  }
}
// The floor: each class's mean server colour over the renders of one preset, filled flat.
function classMeans(renders: typeof rows): Float64Array {
  const sum = new Float64Array(256 * 3);
  const n = new Float64Array(256);
  for (const o of renders)
    for (let i = 0; i < P * P; i++) {
      n[o.small[i]]++;
      for (let c = 0; c < 3; c++) sum[o.small[i] * 3 + c] += o.server[i * 3 + c];
    }
  return sum.map((v, i) => v / n[Math.floor(i / 3)]);
}
const flat = (small: Uint8Array, means: Float64Array) =>
  Float64Array.from({ length: P * P * 3 }, (_, i) => means[small[Math.floor(i / 3)] * 3 + (i % 3)]);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log(
  `preview agreement: ${model.preview.id} (${P} px) vs ${path.basename(model.generatorPath)} (${S} px, area-downsampled), ${fixtures.length} fixtures x ${model.presets.length} presets + ${styles.length - model.presets.length} random codes`,
);
console.log('| style | preview PSNR mean dB | worst | flat class-mean floor dB |');
console.log('|---|---:|---:|---:|');
const totals = { presets: { p: [] as number[], floor: [] as number[] }, random: { p: [] as number[], floor: [] as number[] } };
for (const [k, { id }] of styles.entries()) {
  const mine = rows.filter((r) => r.preset === id);
  const means = classMeans(mine);
  const p = mine.map((r) => psnr(r.server, r.preview));
  const fl = mine.map((r) => psnr(r.server, flat(r.small, means)));
  const total = k < model.presets.length ? totals.presets : totals.random;
  total.p.push(...p);
  total.floor.push(...fl);
  console.log(`| ${id} | ${mean(p).toFixed(2)} | ${Math.min(...p).toFixed(2)} | ${mean(fl).toFixed(2)} |`);
}
for (const [name, t] of Object.entries(totals))
  if (t.p.length) console.log(`| all ${name} | ${mean(t.p).toFixed(2)} | ${Math.min(...t.p).toFixed(2)} | ${mean(t.floor).toFixed(2)} |`);
// A look at the pictures: one row per preset (first fixture), server downsampled | preview.
if (process.env.AGREEMENT_SHEET) {
  const first = rows.slice(0, styles.length);
  const sheet = Buffer.alloc(first.length * P * 2 * P * 3);
  first.forEach((r, row) => {
    for (let y = 0; y < P; y++)
      for (let x = 0; x < 2 * P; x++)
        for (let c = 0; c < 3; c++) {
          const src = x < P ? r.server : r.preview;
          sheet[((row * P + y) * 2 * P + x) * 3 + c] = Math.round(src[(y * P + (x % P)) * 3 + c]);
        }
  });
  await sharp(sheet, { raw: { width: 2 * P, height: first.length * P, channels: 3 } })
    .resize({ width: 4 * P, kernel: 'nearest' })
    .png()
    .toFile(process.env.AGREEMENT_SHEET);
  console.log(`wrote ${process.env.AGREEMENT_SHEET}: rows ${first.map((r) => r.preset).join(', ')}; server | preview`);
}
preview.dispose();
