// Label aliases: another model's palette names resolve to this set's classes (e.g. our "sky" ->
// COCO-Stuff "sky-other"), so the rasteriser maps existing strokes without repainting.
import { describe, expect, it } from 'vitest';
import { labelIds, labelMapToRGBA, parseLabelSet, type LabelSet } from '../../lib/labels';
import { rasterize } from '../../lib/raster';
import type { Stroke } from '../../lib/strokes';

const base = {
  id: 'mini-coco',
  background: 'sky-other',
  labels: [
    { id: 96, name: 'bush', color: [118, 142, 36] },
    { id: 154, name: 'sea', color: [28, 84, 168] },
    { id: 156, name: 'sky-other', color: [118, 183, 236] },
  ],
};

function stroke(label: string, tool: Stroke['tool'] = 'clear'): Stroke {
  return { id: `s-${label}`, tool, label, size: 1, points: [], by: 'u' } as Stroke;
}

describe('label aliases', () => {
  it('parses aliases and resolves them to the target id in labelIds', () => {
    const set = parseLabelSet({ ...base, aliases: { sky: 'sky-other', shrub: 'bush' } });
    expect(set.aliases).toEqual({ sky: 'sky-other', shrub: 'bush' });
    const ids = labelIds(set);
    expect(ids.get('sky')).toBe(156);
    expect(ids.get('shrub')).toBe(96);
    expect(ids.get('sky-other')).toBe(156);
    expect(ids.get('sea')).toBe(154);
    expect(ids.size).toBe(5);
  });

  it('leaves sets without aliases exactly as before', () => {
    const set = parseLabelSet(base);
    expect('aliases' in set).toBe(false);
    expect([...labelIds(set).keys()]).toEqual(['bush', 'sea', 'sky-other']);
    expect('aliases' in parseLabelSet({ ...base, aliases: {} })).toBe(false);
  });

  it('refuses aliases that shadow a label, point nowhere, or have a bad name', () => {
    expect(() => parseLabelSet({ ...base, aliases: { sea: 'bush' } })).toThrow(/aliases\.sea: alias "sea" is already a label name/);
    expect(() => parseLabelSet({ ...base, aliases: { sky: 'sky' } })).toThrow(/alias "sky" points at unknown label "sky"/);
    expect(() => parseLabelSet({ ...base, aliases: { 'sky!': 'sky-other' } })).toThrow(/aliases\.sky!: Invalid key/);
    expect(() => parseLabelSet({ ...base, aliases: ['sky'] })).toThrow(/aliases/);
  });

  it('ignores broken aliases in hand-built sets instead of mapping them', () => {
    const set: LabelSet = {
      ...base,
      labels: base.labels.map((l) => ({ ...l, color: [0, 0, 0] as [number, number, number] })),
      aliases: { sea: 'bush', x: 'nope', sky: 'sky-other' },
    };
    const ids = labelIds(set);
    expect(ids.get('sea')).toBe(154);
    expect(ids.has('x')).toBe(false);
    expect(ids.get('sky')).toBe(156);
  });

  it('rasterises strokes painted with alias names onto the target ids', () => {
    const set = parseLabelSet({ ...base, aliases: { sky: 'sky-other' } });
    expect(rasterize([stroke('sea')], 4, 4, set).every((v) => v === 154)).toBe(true);
    expect(rasterize([stroke('sea'), stroke('sky')], 4, 4, set).every((v) => v === 156)).toBe(true);
    // unknown names are still skipped
    expect(rasterize([stroke('sea'), stroke('lava')], 4, 4, set).every((v) => v === 154)).toBe(true);
    // colouring goes by id, so an alias paints with its target's colour
    const rgba = labelMapToRGBA(rasterize([stroke('sky')], 1, 1, set), set);
    expect([...rgba]).toEqual([118, 183, 236, 255]);
  });
});
