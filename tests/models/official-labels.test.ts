// The class lists convert.py writes for official SPADE checkpoints (models/official/datasets/):
// counts and ids as the released checkpoints use them, and the aliases from our palette. No
// Python needed, so this runs everywhere.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(__dirname, '../../models/official/datasets');
const names = (ds: string) => readFileSync(path.join(dir, `${ds}.txt`), 'utf8').trimEnd().split('\n').map((l) => l.split('\t')[0]);
const aliases = JSON.parse(readFileSync(path.join(dir, 'aliases.json'), 'utf8'));
const landscape = JSON.parse(readFileSync(path.resolve(__dirname, '../../models/landscape/labels.json'), 'utf8')).labels.map((l: { name: string }) => l.name);

describe('official dataset label lists', () => {
  it('have the class counts of the released checkpoints, unique and valid names', () => {
    const counts = { coco: 182, ade20k: 150, cityscapes: 35 };
    for (const [ds, n] of Object.entries(counts)) {
      const list = names(ds);
      expect(list, ds).toHaveLength(n);
      expect(new Set(list).size, ds).toBe(n);
      for (const name of list) expect(name, ds).toMatch(/^[a-z0-9][a-z0-9 _-]*$/i);
    }
  });

  it('COCO-Stuff ids match GauGAN\'s landscape palette (0-based, SPADE.md)', () => {
    const coco = names('coco');
    const want = { sea: 154, clouds: 105, dirt: 110, bush: 96, grass: 123, mountain: 134, road: 148, 'sky-other': 156, tree: 168, flower: 118, fog: 119, hill: 126, leaves: 128, river: 147, snow: 158 };
    for (const [name, id] of Object.entries(want)) expect(coco.indexOf(name), name).toBe(id);
    expect(coco[0]).toBe('person');
    expect(coco[181]).toBe('wood');
  });

  it('ADE20K and Cityscapes spot checks', () => {
    const ade = names('ade20k');
    expect([ade[0], ade[2], ade[4], ade[16], ade[26], ade[149]]).toEqual(['wall', 'sky', 'tree', 'mountain', 'sea', 'flag']);
    const city = names('cityscapes');
    expect([city[0], city[7], city[21], city[23], city[26], city[33]]).toEqual(['unlabeled', 'road', 'vegetation', 'sky', 'car', 'bicycle']);
  });

  it('aliases map our palette onto real classes and never shadow one', () => {
    for (const ds of ['coco', 'ade20k', 'cityscapes']) {
      const list = new Set(names(ds));
      for (const [alias, target] of Object.entries(aliases[ds] as Record<string, string>)) {
        expect(list.has(target), `${ds}: ${alias} -> ${target}`).toBe(true);
        expect(list.has(alias), `${ds}: alias ${alias} is a class`).toBe(false);
        expect(landscape).toContain(alias);
      }
    }
    // COCO-Stuff covers our whole palette
    const coco = new Set(names('coco'));
    for (const name of landscape) expect(coco.has(name) || name in aliases.coco, name).toBe(true);
  });
});
