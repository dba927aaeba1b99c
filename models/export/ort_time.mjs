// Times one generator ONNX file in onnxruntime-node under chosen session options, and optionally
// writes ORT's per-node profile summarised by op type (where a frame's time goes).
//   node models/export/ort_time.mjs FILE.onnx [--runs 10] [--threads 2] [--opt all|extended|basic|disabled]
//        [--mode sequential|parallel] [--no-arena] [--no-mempattern] [--no-spin] [--profile] [--save-optimized OUT.onnx]
//        [--size 256]
// Prints one JSON line: median/min/p90 ms per frame, the CPU other processes used meanwhile (in
// cores), and the options used.
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(value('--runs', 10));
const size = Number(value('--size', 256));
const options = {
  executionProviders: ['cpu'],
  intraOpNumThreads: Number(value('--threads', 2)),
  interOpNumThreads: 1,
  graphOptimizationLevel: value('--opt', 'all'),
  executionMode: value('--mode', 'sequential'),
  enableCpuMemArena: !flag('--no-arena'),
  enableMemPattern: !flag('--no-mempattern'),
  enableProfiling: flag('--profile'),
  profileFilePrefix: 'tmp/ort_profile',
};
if (flag('--no-spin')) options.extra = { session: { intra_op: { allow_spinning: '0' } } };
const optimized = value('--save-optimized', null);
if (optimized) options.optimizedModelFilePath = optimized;
const session = await ort.InferenceSession.create(file, options);

// A painted-looking scene: sky, a band of mountains, grass; the z of one style.
const labels = new Uint8Array(size * size);
for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) labels[y * size + x] = y < size * 0.43 ? 0 : y < size * 0.55 ? 4 : 8;
let seed = 1;
const z = new Float32Array(256).map(() => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
const feeds = { labels: new ort.Tensor('uint8', labels, [1, size, size]) };
if (session.inputNames.includes('z')) feeds.z = new ort.Tensor('float32', z, [1, 256]);
await session.run(feeds); // warm-up
// Busy CPU of the whole machine (/proc/stat) minus this process's own, over the timed runs: on a
// shared machine, a timing taken while something else ran is visible as others_cpu > 0.
const busyMs = () => {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return ((f[0] + f[1] + f[2] + f[5] + f[6]) * 1000) / 100; // user nice system irq softirq, USER_HZ 100
};
const busy0 = busyMs();
const own0 = process.cpuUsage();
const wall0 = performance.now();
const times = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t);
}
const own = process.cpuUsage(own0);
const othersCpu = (busyMs() - busy0 - (own.user + own.system) / 1000) / (performance.now() - wall0);
times.sort((a, b) => a - b);
const at = (q) => +times[Math.min(runs - 1, Math.floor(q * runs))].toFixed(1);
const result = { file, runs, median_ms: at(0.5), min_ms: at(0), p90_ms: at(0.9), others_cpu: +othersCpu.toFixed(2), ...options, executionProviders: undefined };
delete result.profileFilePrefix;
if (flag('--profile')) {
  session.endProfiling(); // returns nothing in onnxruntime-node; the file is <prefix>_<date>.json
  const profile = fs.readdirSync('tmp').filter((n) => n.startsWith('ort_profile')).map((n) => `tmp/${n}`)
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  const events = JSON.parse(fs.readFileSync(profile, 'utf8')).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const byOp = {};
  for (const e of events) {
    const op = e.args.op_name;
    byOp[op] ??= { nodes: new Set(), us: 0 };
    byOp[op].nodes.add(e.name);
    byOp[op].us += e.dur;
  }
  const frames = runs + 1;
  result.per_frame_ms_by_op = Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1].us - a[1].us)
    .map(([op, v]) => [op, { nodes: v.nodes.size, ms: +(v.us / 1000 / frames).toFixed(1) }]));
  fs.rmSync(profile);
}
console.log(JSON.stringify(result));
