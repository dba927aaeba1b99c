/**
 * Why server/models/onnxSession.ts turns intra-op spinning off: the full and draft generators
 * timed alone and alternating (full, draft, draft, as the scheduler does under load), with
 * onnxruntime's default spinning thread pools and without. Prints medians and process CPU time.
 * Each measurement runs in its own process (pools of released sessions linger). Run:
 * npm run bench:spinning [-- models dir]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelsArg, mode] = process.argv.slice(2);
const modelsDir = modelsArg ?? path.resolve(import.meta.dirname, '..', '..', 'models');
const dir = path.join(modelsDir, 'landscape');
const feeds = {
  labels: new ort.Tensor('uint8', new Uint8Array(256 * 256).fill(3), [1, 256, 256]),
  z: new ort.Tensor('float32', new Float32Array(256), [1, 256]),
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function measure(spinning: boolean) {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  if (!spinning) options.extra = { session: { intra_op: { allow_spinning: '0' } } };
  const full = await ort.InferenceSession.create(path.join(dir, 'generator.onnx'), options);
  const draft = await ort.InferenceSession.create(path.join(dir, 'generator_draft.onnx'), options);
  const time = async (s: ort.InferenceSession, into: number[]) => {
    const t = performance.now();
    await s.run(feeds);
    into.push(performance.now() - t);
  };
  for (let i = 0; i < 5; i++) {
    await time(full, []);
    await time(draft, []);
  }
  const r = { fullAlone: [] as number[], draftAlone: [] as number[], fullAfterDraft: [] as number[], draftAfterFull: [] as number[] };
  const cpu = process.cpuUsage();
  for (let i = 0; i < 15; i++) await time(full, r.fullAlone);
  for (let i = 0; i < 15; i++) await time(draft, r.draftAlone);
  for (let i = 0; i < 15; i++) {
    await time(full, r.fullAfterDraft);
    await time(draft, r.draftAfterFull);
    await time(draft, []);
  }
  const used = process.cpuUsage(cpu);
  await full.release();
  await draft.release();
  return {
    ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v).toFixed(1)])),
    cpuSeconds: ((used.user + used.system) / 1e6).toFixed(1),
  };
}

if (mode) console.log(JSON.stringify(await measure(mode === 'spinning')));
else {
  console.log('| intra-op pools | full alone ms | draft alone ms | full after a draft ms | draft after a full ms | process CPU s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const spinning of ['spinning', 'quiet', 'spinning', 'quiet']) {
    const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, modelsDir, spinning], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    const m = JSON.parse(child.stdout) as Record<string, string>;
    console.log(
      `| ${spinning === 'spinning' ? 'spinning (default)' : 'no spinning'} | ${m.fullAlone} | ${m.draftAlone} | ${m.fullAfterDraft} | ${m.draftAfterFull} | ${m.cpuSeconds} |`,
    );
  }
}
