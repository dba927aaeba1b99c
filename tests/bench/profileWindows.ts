/**
 * Reads what `ABUSE_PROFILE_DIR=<dir> npm run bench:abuse` wrote (the server's CPU profile and each
 * probe's window) and prints, per probe: the main thread's busy time in the window, the functions
 * it spent it in (self time), and its longest contiguous busy stretches (what a victim's message
 * could have waited behind).
 *
 *   npx tsx tests/bench/profileWindows.ts <dir> [top=8] [stretchMs=10]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Window {
  name: string;
  from: number;
  to: number;
}
interface Stretch {
  start: number;
  end: number;
  self: Map<string, number>;
}

const [dir, topArg, stretchArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: profileWindows.ts <ABUSE_PROFILE_DIR> [top] [stretchMs]');
const top = Number(topArg ?? 8);
const stretchMs = Number(stretchArg ?? 10);
const profile = JSON.parse(fs.readFileSync(path.join(dir, 'server.cpuprofile'), 'utf8')) as Profile;
const windows = JSON.parse(fs.readFileSync(path.join(dir, 'windows.json'), 'utf8')) as Window[];

const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const times: number[] = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) times.push((t += d));

const key = (f: ProfileNode['callFrame']) => `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
const ms = (us: number) => (us / 1000).toFixed(1);
const heaviest = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);

for (const w of windows) {
  const self = new Map<string, number>();
  const stretches: Stretch[] = [];
  let open: Stretch | null = null;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (times[i] < w.from || times[i] > w.to) return;
    const frame = frames.get(id)!;
    const dt = (times[i + 1] ?? times[i]) - times[i];
    self.set(key(frame), (self.get(key(frame)) ?? 0) + dt);
    // (idle): the loop waits for I/O, so a message arriving now is read at once.
    if (frame.functionName === '(idle)') {
      if (open) stretches.push(open);
      open = null;
      return;
    }
    if (frame.functionName !== '(program)') busy += dt;
    open ??= { start: times[i], end: times[i], self: new Map() };
    open.end = times[i] + dt;
    open.self.set(key(frame), (open.self.get(key(frame)) ?? 0) + dt);
  });
  if (open) stretches.push(open);
  console.log(`\n## ${w.name}: window ${ms(w.to - w.from)} ms, busy ${ms(busy)} ms`);
  for (const [k, v] of heaviest(self, top)) console.log(`  ${ms(v).padStart(8)} ms  ${k}`);
  const long = stretches.filter((s) => s.end - s.start >= stretchMs * 1000).sort((a, b) => b.end - b.start - (a.end - a.start));
  console.log(`  busy stretches >= ${stretchMs} ms: ${long.length}`);
  for (const s of long.slice(0, 5)) {
    const what = heaviest(s.self, 3).map(([k, v]) => `${k} ${ms(v)}`);
    console.log(`    +${ms(s.start - w.from)} ms: ${ms(s.end - s.start)} ms (${what.join('; ')})`);
  }
}
