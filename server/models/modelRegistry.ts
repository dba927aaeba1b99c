import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { labelIds, parseLabelSet, type LabelSet } from '../../lib/labels';
import type { ModelInfo } from '../../lib/protocol';
import type { Logger } from '../log';

const manifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  name: z.string().min(1),
  kind: z.literal('spade'),
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  zDim: z.number().int().nonnegative(),
  labels: z.string(),
  generator: z.string(),
  /** Optional cheaper graph of the same weights and inputs/outputs, rendered under load. */
  draft: z.string().optional(),
  encoder: z.string().optional(),
  /** The evaluation segmenter (frame -> label ids) for the page's "did the model understand you" check. */
  segmenter: z.string().optional(),
  presets: z.string().optional(),
  default: z.boolean().optional(),
});

export interface Preset {
  id: string;
  name: string;
  z: number[];
  thumbnail?: string;
}

const presetsSchema = z.array(z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  z: z.array(z.number().finite()),
  thumbnail: z.string().optional(),
}));

const previewSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  name: z.string().min(1),
  kind: z.literal('spade-tfjs'),
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  zDim: z.number().int().nonnegative(),
  weights: z.string(),
  distilledFrom: z.string(),
});

/** A browser-side preview model (tfjs weights) distilled from a server model. */
export interface PreviewEntry {
  id: string;
  name: string;
  size: [number, number];
  /** URL path of the tfjs manifest, served by the static route under /models. */
  url: string;
  /** Total bytes of the manifest and its weight files (the download a browser makes). */
  bytes: number;
}

export interface ModelEntry {
  id: string;
  name: string;
  dir: string;
  /** [width, height] of the generator's input and output. */
  size: [number, number];
  zDim: number;
  labels: LabelSet;
  labelNames: ReadonlySet<string>;
  generatorPath: string;
  /** Draft generator (same inputs and outputs, less work), or null: such a model never drafts. */
  draftPath: string | null;
  encoderPath: string | null;
  segmenterPath: string | null;
  presets: Preset[];
  isDefault: boolean;
  preview: PreviewEntry | null;
}

/**
 * The models a room can render with, discovered from `models/<id>/model.json`. A directory whose
 * manifest or label set is broken is skipped with a logged reason; it never takes the server down.
 */
export class ModelRegistry {
  private readonly models = new Map<string, ModelEntry>();
  readonly defaultId: string;

  constructor(readonly modelsDir: string, log: Logger) {
    const previews: Array<{ target: string; entry: PreviewEntry }> = [];
    const dirs = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir, { withFileTypes: true }) : [];
    for (const dirent of dirs) {
      if (!dirent.isDirectory()) continue;
      const dir = path.join(modelsDir, dirent.name);
      const manifestPath = path.join(dir, 'model.json');
      if (!fs.existsSync(manifestPath)) continue;
      try {
        const raw = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { kind?: unknown };
        if (raw.kind === 'spade') {
          const entry = loadEntry(dir, raw);
          this.models.set(entry.id, entry);
        } else if (raw.kind === 'spade-tfjs') {
          previews.push(loadPreview(dir, dirent.name, raw));
        }
      } catch (error) {
        log.warn({ dir, reason: (error as Error).message }, 'model skipped');
      }
    }
    for (const { target, entry } of previews) {
      const model = this.models.get(target);
      if (model) model.preview = entry;
      else log.warn({ preview: entry.id, target }, 'preview model skipped: the model it was distilled from is missing');
    }
    const all = [...this.models.values()];
    const chosen = all.find((m) => m.isDefault) ?? all[0];
    if (!chosen) throw new Error(`No usable model under ${modelsDir}: each needs model.json and its label set`);
    this.defaultId = chosen.id;
    log.info({ models: all.map((m) => m.id), default: this.defaultId }, 'models discovered');
  }

  get(id: string): ModelEntry | undefined {
    return this.models.get(id);
  }

  require(id: string): ModelEntry {
    const model = this.models.get(id);
    if (!model) throw new Error(`Unknown model "${id}"`);
    return model;
  }

  /** The model a room renders with: its own, or the default when that one is no longer shipped. */
  forRoom(room: { modelId: string } | null): ModelEntry {
    return this.models.get(room?.modelId ?? '') ?? this.require(this.defaultId);
  }

  list(): ModelEntry[] {
    return [...this.models.values()];
  }
}

function loadPreview(dir: string, dirName: string, raw: unknown): { target: string; entry: PreviewEntry } {
  const manifest = previewSchema.parse(raw);
  const weightsManifest = path.join(dir, manifest.weights);
  const tfjs = JSON.parse(fs.readFileSync(weightsManifest, 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
  let bytes = fs.statSync(weightsManifest).size;
  for (const group of tfjs.weightsManifest) {
    for (const p of group.paths) bytes += fs.statSync(path.join(path.dirname(weightsManifest), p)).size;
  }
  const url = `/models/${dirName}/${manifest.weights}`;
  return { target: manifest.distilledFrom, entry: { id: manifest.id, name: manifest.name, size: manifest.size, url, bytes } };
}

function loadEntry(dir: string, raw: unknown): ModelEntry {
  const manifest = manifestSchema.parse(raw);
  const labels = parseLabelSet(JSON.parse(fs.readFileSync(path.join(dir, manifest.labels), 'utf8')));
  const presetsFile = manifest.presets ? path.join(dir, manifest.presets) : null;
  const presets = presetsFile && fs.existsSync(presetsFile)
    ? presetsSchema.parse(JSON.parse(fs.readFileSync(presetsFile, 'utf8')))
    : [];
  for (const p of presets) {
    if (p.z.length !== manifest.zDim) throw new Error(`preset ${p.id} has ${p.z.length} values, model wants ${manifest.zDim}`);
  }
  return {
    id: manifest.id,
    name: manifest.name,
    dir,
    size: manifest.size,
    zDim: manifest.zDim,
    labels,
    // aliases count: strokes painted with another model's names ("sky") are valid here too
    labelNames: new Set(labelIds(labels).keys()),
    generatorPath: path.join(dir, manifest.generator),
    draftPath: manifest.draft ? path.join(dir, manifest.draft) : null,
    encoderPath: manifest.encoder ? path.join(dir, manifest.encoder) : null,
    segmenterPath: manifest.segmenter ? path.join(dir, manifest.segmenter) : null,
    presets,
    isDefault: manifest.default === true,
    preview: null,
  };
}

export function modelInfo(model: ModelEntry): ModelInfo {
  const preview = model.preview && { id: model.preview.id, url: model.preview.url, size: model.preview.size, bytes: model.preview.bytes };
  return { id: model.id, name: model.name, size: model.size, zDim: model.zDim, labels: model.labels, preview };
}
