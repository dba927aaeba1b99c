// A/B timing of generator ONNX files on a shared machine: short timing processes
// (models/export/ort_time.mjs) for each file in turn, several rounds, so load from other
// processes hits all files alike; reports each file's median of the per-round medians and
// its ratio to the first file. Separate processes, because sessions in one process each keep
// a spinning intra-op thread pool that slows the session running next to them.
//   node models/export/ort_ab.mjs A.onnx B.onnx [C.onnx ...] [--rounds 5] [--runs 6]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const files = args.filter((a) => a.endsWith('.onnx'));
const rounds = Number(value('--rounds', 5));
const runs = value('--runs', '6');
const timer = path.join(import.meta.dirname, 'ort_time.mjs');

const medians = files.map(() => []);
const others = [];
for (let r = 0; r < rounds; r++) {
  files.forEach((file, i) => {
    const out = spawnSync(process.execPath, [timer, file, '--runs', runs], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    const result = JSON.parse(out.stdout);
    medians[i].push(result.median_ms);
    others.push(result.others_cpu);
  });
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = median(medians[0]);
files.forEach((file, i) => {
  const m = median(medians[i]);
  console.log(JSON.stringify({ file, median_ms: m, round_medians: medians[i], vs_first: +(m / base).toFixed(3) }));
});
console.log(JSON.stringify({ others_cpu_median: median(others) }));
