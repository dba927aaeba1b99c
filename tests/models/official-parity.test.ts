// Official SPADE checkpoints: models/official/convert.py turns tiny random checkpoints in the
// official layout (models/official/fixtures/*/latest_net_G.pth, made by make_fixture.py) into
// our model layout; onnxruntime-node must reproduce the PyTorch reference of the original
// official-layout module, and broken inputs must be refused with a clear message.
// Needs /usr/bin/python3 with torch: skipped without it locally, a failure when CI=true.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import pino from 'pino';
import { labelIds, parseLabelSet } from '../../lib/labels';
import { rasterize } from '../../lib/raster';
import type { Stroke } from '../../lib/strokes';
import { ModelRegistry, modelInfo } from '../../server/models/modelRegistry';
import { Generator } from '../../server/render/generator';

const PY = '/usr/bin/python3';
const root = path.resolve(__dirname, '../..');
// the pipeline is a package (models/): scripts run as modules from the repository root
const convert = ['-m', 'models.official.convert'];
const fixtures = path.join(root, 'models/official/fixtures');
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const inCI = process.env.CI === 'true';

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs a Python script without blocking the event loop, so the refusals run side by side. */
function py(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PY, args, { cwd: root, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function f32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('official SPADE converter prerequisites', () => {
  it.runIf(inCI)('CI has /usr/bin/python3 with torch', () => {
    expect(hasTorch, '/usr/bin/python3 cannot import torch: the converter tests cannot run').toBe(true);
  });
});

describe.skipIf(!hasTorch)('official SPADE checkpoints -> ONNX', () => {
  let tmp = '';
  const converted: Record<string, Run> = {};
  const refusals: Record<string, Run> = {};
  const coco = path.join(fixtures, 'coco-tiny');

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'official-'));
    // broken inputs: truncated legacy and zip files, a missing key, not a state_dict, unknown layout
    const legacy = readFileSync(path.join(coco, 'latest_net_G.pth'));
    writeFileSync(path.join(tmp, 'cut.pth'), legacy.subarray(0, Math.floor(legacy.length / 2)));
    writeFileSync(path.join(tmp, 'text.pth'), 'not a checkpoint\n');
    const bad: Record<string, string[]> = {
      truncated: ['--checkpoint', path.join(tmp, 'cut.pth'), '--dataset', 'coco'],
      truncatedZip: ['--checkpoint', path.join(tmp, 'cut-zip.pth'), '--dataset', 'coco'],
      missing: ['--checkpoint', path.join(tmp, 'missing.pth'), '--dataset', 'coco', '--size', '64', '64'],
      text: ['--checkpoint', path.join(tmp, 'text.pth'), '--dataset', 'coco'],
      list: ['--checkpoint', path.join(tmp, 'list.pth'), '--dataset', 'coco'],
      unknown: ['--checkpoint', path.join(tmp, 'unknown.pth'), '--dataset', 'coco'],
      wrongDataset: ['--checkpoint', path.join(coco, 'latest_net_G.pth'), '--dataset', 'ade20k'],
      noFile: ['--checkpoint', path.join(tmp, 'nope.pth'), '--dataset', 'coco'],
    };
    for (const [key, args] of Object.entries(bad)) args.push('--out', path.join(tmp, `out-${key}`));
    const convertArgs = (name: string) => {
      const meta = JSON.parse(readFileSync(path.join(fixtures, name, 'meta.json'), 'utf8'));
      return ['--checkpoint', path.join(fixtures, name, 'latest_net_G.pth'), '--out', path.join(tmp, name), ...meta.convert];
    };
    const { truncated, ...rest } = bad;
    // End to end through the CLI: one conversion and one refusal. The rest runs in one Python
    // process (one torch import, the test stays fast on a busy machine) through convert.main():
    // the other refusals, the cityscapes conversion, and the ADE20K + VAE fixtures, which are
    // made at test time (not committed).
    const jobs = [
      py([...convert, ...convertArgs('coco-tiny')]).then((r) => void (converted['coco-tiny'] = r)),
      py([...convert, ...truncated]).then((r) => void (refusals.truncated = r)),
      py(['-c', `
import contextlib, io, json, sys
import torch
tmp, coco, jobs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
from models.official import convert, make_fixture
sd = torch.load(coco, map_location='cpu')
del sd['up_1.norm_0.mlp_gamma.weight']
torch.save(sd, tmp + '/missing.pth')
torch.save({'layer1.0.weight': torch.zeros(2)}, tmp + '/unknown.pth')
torch.save([1, 2, 3], tmp + '/list.pth')
data = open(tmp + '/missing.pth', 'rb').read()
open(tmp + '/cut-zip.pth', 'wb').write(data[: len(data) * 2 // 3])
out = {}
def run(key, fn):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = fn()
    except BaseException as e:  # an uncaught exception breaks the clear-message contract
        status, err = 1, io.StringIO(f'Traceback: {type(e).__name__}: {e}')
    out[key] = {'status': status, 'stdout': '', 'stderr': err.getvalue()}
for key, args in jobs['refuse'].items():
    run('refuse:' + key, lambda: convert.main(args))
run('cityscapes-tiny', lambda: convert.main(jobs['cityscapes']))
def runtime():
    for name in ('ade20k-tiny', 'ade20k-vae-tiny'):
        make_fixture.make(name, make_fixture.FIXTURES[name], tmp + '/runtime', keep_model=True)
    return 0
run('runtime', runtime)
print(json.dumps(out))
`, tmp, path.join(coco, 'latest_net_G.pth'), JSON.stringify({ refuse: rest, cityscapes: convertArgs('cityscapes-tiny') })])
        .then((r) => {
          expect(r.status, r.stderr).toBe(0);
          const results = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, Run>;
          for (const [key, value] of Object.entries(results)) {
            if (key.startsWith('refuse:')) refusals[key.slice('refuse:'.length)] = value;
            else converted[key] = value;
          }
        }),
    ];
    await Promise.all(jobs);
  }, 90_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const cases = [
    { name: 'coco-tiny', run: 'coco-tiny', fixture: () => path.join(fixtures, 'coco-tiny'), model: () => path.join(tmp, 'coco-tiny') },
    { name: 'cityscapes-tiny', run: 'cityscapes-tiny', fixture: () => path.join(fixtures, 'cityscapes-tiny'), model: () => path.join(tmp, 'cityscapes-tiny') },
    { name: 'ade20k-tiny', run: 'runtime', fixture: () => path.join(tmp, 'runtime/ade20k-tiny'), model: () => path.join(tmp, 'runtime/ade20k-tiny/model') },
    { name: 'ade20k-vae-tiny', run: 'runtime', fixture: () => path.join(tmp, 'runtime/ade20k-vae-tiny'), model: () => path.join(tmp, 'runtime/ade20k-vae-tiny/model') },
  ];
  for (const c of cases) {
    it(`${c.name}: onnxruntime-node matches the official-layout PyTorch module (<= 1e-3)`, async () => {
      const run = converted[c.run];
      expect(run.status, run.stderr).toBe(0);
      const fx = c.fixture();
      const meta = JSON.parse(readFileSync(path.join(fx, 'meta.json'), 'utf8'));
      expect(meta.keys).toBe(234); // the official key count
      const dir = c.model();
      const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const zDim = meta.z ? meta.z[1] : 0;
      expect(manifest).toMatchObject({ kind: 'spade', zDim, size: [meta.size[0], meta.size[1]], generator: 'generator.onnx' });
      const session = await ort.InferenceSession.create(path.join(dir, 'generator.onnx'), { executionProviders: ['cpu'] });
      // released checkpoints have no VAE: no z; a VAE-trained one takes z
      expect(session.inputNames).toEqual(zDim ? ['labels', 'z'] : ['labels']);
      const labels = new Uint8Array(readFileSync(path.join(fx, 'labels.u8')));
      const feeds: Record<string, ort.Tensor> = { labels: new ort.Tensor('uint8', labels, meta.labels) };
      if (zDim) {
        feeds.z = new ort.Tensor('float32', f32(path.join(fx, 'z.f32')), meta.z);
        const presets = JSON.parse(readFileSync(path.join(dir, 'presets.json'), 'utf8'));
        expect(presets.length).toBeGreaterThan(0);
        for (const p of presets) expect(p.z).toHaveLength(zDim);
      }
      const out = await session.run(feeds);
      expect(out.image.dims).toEqual(meta.image);
      const got = out.image.data as Float32Array;
      const want = f32(path.join(fx, 'reference.f32'));
      expect(got.length).toBe(want.length);
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
      expect(diff).toBeLessThanOrEqual(1e-3);
      await session.release();
    });
  }

  it('writes the dataset label set with aliases from our palette, and keeps itself out of git', () => {
    const set = parseLabelSet(JSON.parse(readFileSync(path.join(tmp, 'coco-tiny', 'labels.json'), 'utf8')));
    expect(set.labels).toHaveLength(182);
    const ids = labelIds(set);
    // GauGAN's landscape palette on COCO-Stuff (0-based ids, SPADE.md)
    const want = { sea: 154, clouds: 105, dirt: 110, bush: 96, grass: 123, mountain: 134, road: 148, sky: 156, tree: 168, flower: 118, fog: 119, hill: 126, river: 147, snow: 158 };
    for (const [name, id] of Object.entries(want)) expect(ids.get(name), name).toBe(id);
    expect(set.background).toBe('sky-other');
    // palette order: the classes our palette maps onto first (keys 1-9 stay useful), in our order
    expect(set.labels.slice(0, 4).map((l) => l.name)).toEqual(['sky-other', 'clouds', 'sea', 'river']);
    expect(set.labels.find((l) => l.name === 'sky-other')?.color).toEqual([118, 183, 236]); // our sky colour
    const landscape = parseLabelSet(JSON.parse(readFileSync(path.join(root, 'models/landscape/labels.json'), 'utf8')));
    for (const l of landscape.labels) expect(ids.has(l.name), `${l.name} has no COCO-Stuff class`).toBe(true);
    const city = parseLabelSet(JSON.parse(readFileSync(path.join(tmp, 'cityscapes-tiny', 'labels.json'), 'utf8')));
    expect(city.labels).toHaveLength(35);
    expect(labelIds(city).get('tree')).toBe(21); // vegetation
    expect(readFileSync(path.join(tmp, 'coco-tiny', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('converted models are discovered by ModelRegistry and render through the server Generator (no z)', async () => {
    const log = pino({ level: 'silent' });
    const registry = new ModelRegistry(tmp, log);
    expect(registry.list().map((m) => m.id).sort()).toEqual(['cityscapes-tiny', 'coco-tiny']);
    const coco = registry.require('coco-tiny');
    const info = modelInfo(coco);
    expect(info).toMatchObject({ zDim: 0, size: [64, 64], preview: null });
    expect(info.labels.aliases).toMatchObject({ sky: 'sky-other' });
    expect(coco.labelNames.has('sky')).toBe(true); // strokes painted with our palette stay valid
    expect(coco.labelNames.has('sky-other')).toBe(true);
    // a landscape-palette stroke lands on the COCO-Stuff id, then renders without a z input
    const strokes = [{ id: 's1', tool: 'clear', label: 'sky', size: 1, points: [], by: 'u' }] as unknown as Stroke[];
    const map = rasterize(strokes, 64, 64, coco.labels);
    expect(map.every((v) => v === 156)).toBe(true);
    const gen = await Generator.open(coco, { providers: ['cpu'], threads: 1 }, log);
    const { rgb, quality } = await gen.run(map, new Float32Array(0), 'draft');
    expect(rgb.length).toBe(64 * 64 * 3);
    expect(quality).toBe('full'); // no draft graph in this manifest: drafts fall back to full
    await gen.close();
    const city = registry.require('cityscapes-tiny');
    expect(city.size).toEqual([128, 64]); // width x height, as the official 2:1 crop
  });

  it('refuses broken checkpoints with a clear message', () => {
    const expectRefusal = (key: string, pattern: RegExp) => {
      const r = refusals[key];
      expect(r.status, `${key}: ${r.stderr}`).toBe(2);
      expect(r.stderr, key).toMatch(pattern);
      expect(r.stderr, key).not.toMatch(/Traceback/);
    };
    expectRefusal('truncated', /: truncated file \(\d+ bytes/);
    expectRefusal('truncatedZip', /: truncated (file|or corrupt)/);
    expectRefusal('missing', /missing keys \(1\): up_1\.norm_0\.mlp_gamma\.weight/);
    expectRefusal('text', /: not a PyTorch checkpoint/);
    expectRefusal('list', /not a state_dict/);
    expectRefusal('unknown', /unknown layout/);
    expectRefusal('wrongDataset', /184 input channels.*151.*coco checkpoint/);
    expectRefusal('noFile', /no such file/);
  });
});
