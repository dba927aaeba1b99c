import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelIds, labelMapToRGBA, parseLabelSet } from '../../lib/labels';

const file = path.join(__dirname, '../../models/landscape/labels.json');
const json = JSON.parse(readFileSync(file, 'utf8'));

describe('parseLabelSet', () => {
  it('parses models/landscape/labels.json', () => {
    const set = parseLabelSet(json);
    expect(set.id).toBe('landscape');
    expect(set.background).toBe('sky');
    const names = set.labels.map((l) => l.name);
    for (const n of [
      'sky',
      'clouds',
      'sea',
      'river',
      'mountain',
      'hill',
      'rock',
      'snow',
      'grass',
      'tree',
      'bush',
      'flower',
      'sand',
      'dirt',
      'road',
      'fog',
    ]) {
      expect(names).toContain(n);
    }
    const colors = new Set(set.labels.map((l) => l.color.join(',')));
    expect(colors.size).toBe(set.labels.length);
    expect(labelIds(set).get('sky')).toBe(0);
    expect(labelIds(set)).toBe(labelIds(set));
  });

  it('rejects bad input with a message naming the field', () => {
    const bad = (v: unknown) => () => parseLabelSet(v);
    expect(bad(null)).toThrow(/invalid label set/);
    expect(bad({ ...json, extra: 1 })).toThrow(/extra/);
    expect(bad({ ...json, background: 'lava' })).toThrow(/background: background "lava" is not one of the labels/);
    expect(bad({ ...json, labels: [] })).toThrow(/labels/);
    const dupName = structuredClone(json);
    dupName.labels[1].name = 'sky';
    expect(bad(dupName)).toThrow(/labels\[1\]\.name: duplicate label name "sky"/);
    const dupId = structuredClone(json);
    dupId.labels[2].id = 0;
    expect(bad(dupId)).toThrow(/labels\[2\]\.id: duplicate label id 0/);
    const badColor = structuredClone(json);
    badColor.labels[3].color = [0, 300, 0];
    expect(bad(badColor)).toThrow(/labels\[3\]\.color\[1\]/);
    const badId = structuredClone(json);
    badId.labels[0].id = 256;
    expect(bad(badId)).toThrow(/labels\[0\]\.id/);
  });
});

describe('labelMapToRGBA', () => {
  it('colours ids with the palette, unknown ids black, reusing out', () => {
    const set = parseLabelSet(json);
    const map = new Uint8Array([0, 2, 200]);
    const out = new Uint8ClampedArray(12);
    expect(labelMapToRGBA(map, set, out)).toBe(out);
    expect([...out]).toEqual([118, 183, 236, 255, 28, 84, 168, 255, 0, 0, 0, 255]);
    expect(() => labelMapToRGBA(map, set, new Uint8ClampedArray(4))).toThrow(/12/);
    expect(labelMapToRGBA(map, set).length).toBe(12);
  });
});
