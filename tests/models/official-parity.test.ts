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
const convert = path.join(root, 'models/official/convert.py');
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
    const made = await py(['-c', `
import torch, sys
sd = torch.load(sys.argv[1], map_location='cpu')
del sd['up_1.norm_0.mlp_gamma.weight']
torch.save(sd, sys.argv[2] + '/missing.pth')
torch.save({'layer1.0.weight': torch.zeros(2)}, sys.argv[2] + '/unknown.pth')
torch.save([1, 2, 3], sys.argv[2] + '/list.pth')
data = open(sys.argv[2] + '/missing.pth', 'rb').read()
open(sys.argv[2] + '/cut-zip.pth', 'wb').write(data[: len(data) * 2 // 3])
`, path.join(coco, 'latest_net_G.pth'), tmp]);
    expect(made.status, made.stderr).toBe(0);
    const jobs: Array<Promise<void>> = [];
    for (const name of ['coco-tiny', 'cityscapes-tiny']) {
      const meta = JSON.parse(readFileSync(path.join(fixtures, name, 'meta.json'), 'utf8'));
      jobs.push(py([convert, '--checkpoint', path.join(fixtures, name, 'latest_net_G.pth'), '--out', path.join(tmp, name), ...meta.convert])
        .then((r) => void (converted[name] = r)));
    }
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
    // one CLI refusal end to end; the rest through convert.main() in one process (one torch import)
    const { truncated, ...rest } = bad;
    jobs.push(py([convert, ...truncated]).then((r) => void (refusals.truncated = r)));
    jobs.push(py(['-c', `
import contextlib, io, json, sys
sys.path.insert(0, sys.argv[1])
import convert
out = {}
for key, args in json.loads(sys.argv[2]).items():
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            status = convert.main(args)
    except BaseException as e:  # an uncaught exception is a failure of the clear-message contract
        status, err = 1, io.StringIO(f'Traceback: {type(e).__name__}: {e}')
    out[key] = {'status': status, 'stdout': '', 'stderr': err.getvalue()}
print(json.dumps(out))
`, path.dirname(convert), JSON.stringify(rest)]).then((r) => {
      expect(r.status, r.stderr).toBe(0);
      Object.assign(refusals, JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'));
    }));
    await Promise.all(jobs);
  }, 90_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const name of ['coco-tiny', 'cityscapes-tiny']) {
    it(`${name}: onnxruntime-node matches the official-layout PyTorch module (<= 1e-3)`, async () => {
      const run = converted[name];
      expect(run.status, run.stderr).toBe(0);
      const meta = JSON.parse(readFileSync(path.join(fixtures, name, 'meta.json'), 'utf8'));
      expect(meta.keys).toBe(234); // the official key count
      const dir = path.join(tmp, name);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(manifest).toMatchObject({ kind: 'spade', zDim: 0, size: [meta.size[0], meta.size[1]], generator: 'generator.onnx' });
      const session = await ort.InferenceSession.create(path.join(dir, 'generator.onnx'), { executionProviders: ['cpu'] });
      expect(session.inputNames).toEqual(['labels']); // released checkpoints have no VAE: no z
      const labels = new Uint8Array(readFileSync(path.join(fixtures, name, 'labels.u8')));
      const out = await session.run({ labels: new ort.Tensor('uint8', labels, meta.labels) });
      expect(out.image.dims).toEqual(meta.image);
      const got = out.image.data as Float32Array;
      const want = f32(path.join(fixtures, name, 'reference.f32'));
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
    const rgb = await gen.run(map, new Float32Array(0));
    expect(rgb.length).toBe(64 * 64 * 3);
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
