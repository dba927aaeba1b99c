import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseLabelSet, type LabelSet } from '../../lib/labels';
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
  encoder: z.string().optional(),
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
  encoderPath: string | null;
  presets: Preset[];
  isDefault: boolean;
}

/**
 * The models a room can render with, discovered from `models/<id>/model.json`. A directory whose
 * manifest or label set is broken is skipped with a logged reason; it never takes the server down.
 */
export class ModelRegistry {
  private readonly models = new Map<string, ModelEntry>();
  readonly defaultId: string;

  constructor(modelsDir: string, log: Logger) {
    const dirs = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir, { withFileTypes: true }) : [];
    for (const dirent of dirs) {
      if (!dirent.isDirectory()) continue;
      const dir = path.join(modelsDir, dirent.name);
      const manifestPath = path.join(dir, 'model.json');
      if (!fs.existsSync(manifestPath)) continue;
      try {
        const entry = loadEntry(dir, manifestPath);
        if (entry) this.models.set(entry.id, entry);
      } catch (error) {
        log.warn({ dir, reason: (error as Error).message }, 'model skipped');
      }
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

  list(): ModelEntry[] {
    return [...this.models.values()];
  }
}

function loadEntry(dir: string, manifestPath: string): ModelEntry | null {
  const raw = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as unknown;
  if ((raw as { kind?: unknown }).kind !== 'spade') return null; // preview models are served to browsers, not rendered here
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
    labelNames: new Set(labels.labels.map((l) => l.name)),
    generatorPath: path.join(dir, manifest.generator),
    encoderPath: manifest.encoder ? path.join(dir, manifest.encoder) : null,
    presets,
    isDefault: manifest.default === true,
  };
}

export function modelInfo(model: ModelEntry): ModelInfo {
  return { id: model.id, name: model.name, size: model.size, zDim: model.zDim, labels: model.labels };
}
