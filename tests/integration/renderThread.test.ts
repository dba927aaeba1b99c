import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ModelRegistry } from '../../server/models/modelRegistry';
import { Generator } from '../../server/render/generator';
import { RenderThread } from '../../server/render/renderThread';

const quiet = pino({ level: 'silent' });
const models = new ModelRegistry(path.resolve(import.meta.dirname, '..', '..', 'models'), quiet);
const model = models.require(models.defaultId);
const options = { providers: ['cpu'], threads: 1 };

describe('render thread (the generator off the event loop)', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const o of opened) await o.close();
  });

  it('renders the same pixels as the generator in this thread, while the event loop keeps running', async () => {
    const thread = await RenderThread.open(model, { ...options, nice: 5 });
    const local = await Generator.open(model, options, quiet);
    opened.push(thread, local);
    const [w, h] = model.size;
    const labels = new Uint8Array(w * h).map((_, i) => (i >> 11) % model.labels.labels.length);
    const z = new Float32Array(model.zDim).fill(0.3);
    // A 1 ms timer keeps firing while the thread renders (~100 ms); the same run in this thread
    // would hold the event loop for all of it.
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 1);
    const remote = await thread.run(labels.slice(), z.slice(), 'full');
    clearInterval(ticker);
    const here = await local.run(labels, z, 'full');
    expect(ticks).toBeGreaterThan(5);
    expect(remote.quality).toBe('full');
    expect(Buffer.from(remote.rgb).equals(Buffer.from(here.rgb))).toBe(true);
    expect((await thread.run(labels, z, 'draft')).quality).toBe(model.draftPath ? 'draft' : 'full');
  });

  it('reports a generator that cannot open, and refuses runs once closed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-thread-'));
    const broken = path.join(dir, 'generator.onnx');
    fs.writeFileSync(broken, 'not an onnx file');
    await expect(RenderThread.open({ ...model, generatorPath: broken, draftPath: null }, { ...options, nice: 0 })).rejects.toThrow(
      /No execution provider could open/,
    );
    fs.rmSync(dir, { recursive: true, force: true });

    const thread = await RenderThread.open(model, { ...options, nice: 0 });
    const [w, h] = model.size;
    await expect(thread.run(new Uint8Array(3), new Float32Array(model.zDim), 'full')).rejects.toThrow(/label map is 3 bytes/);
    // A request the worker cannot even read is answered with an error; the thread keeps rendering.
    await expect(thread.run(null as unknown as Uint8Array, new Float32Array(model.zDim), 'full')).rejects.toThrow(/null/);
    expect((await thread.run(new Uint8Array(w * h), new Float32Array(model.zDim), 'full')).rgb.length).toBe(w * h * 3);
    expect(thread.failure).toBeNull();
    await thread.close();
    expect(thread.failure).toMatch(/closed/);
    await expect(thread.run(new Uint8Array(w * h), new Float32Array(model.zDim), 'full')).rejects.toThrow(/closed/);
  });
});
