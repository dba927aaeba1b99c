import fs from 'node:fs/promises';
import path from 'node:path';
import { customAlphabet } from 'nanoid';
import type { Db } from '../db';
import type { ModelEntry, Preset } from '../models/modelRegistry';
import type { StyleInfo } from '../../lib/social';
import { defaultStyle, type Style } from './roomStyles';
import { parseTakeId, takeZ } from '../../lib/styleTake';

const makeKey = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 12);
export const CUSTOM_PREFIX = 'custom:';
export const CUSTOM_KEY = /^[0-9a-z]{12}$/;

export function presetInfo(model: ModelEntry, p: Preset): StyleInfo {
  return {
    id: p.id,
    name: p.name,
    kind: 'preset',
    thumbnail: p.thumbnail ? `/api/models/${encodeURIComponent(model.id)}/presets/${encodeURIComponent(p.id)}/thumbnail` : null,
  };
}

function customInfo(id: string, name: string): StyleInfo {
  return { id, name, kind: 'custom', thumbnail: `/api/custom-styles/${id.slice(CUSTOM_PREFIX.length)}/thumbnail` };
}

function takeInfo(base: StyleInfo, id: string, seed: number): StyleInfo {
  return { ...base, id, name: `${base.name}, take ${seed}` };
}

function zToBytes(z: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new Uint8Array(z.buffer, z.byteOffset, z.byteLength));
}

function bytesToZ(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * The styles a room may use: its model's presets and the custom styles uploaded in that room.
 * Resolves a style id (as proposed in a vote) to its name and z.
 */
export class StyleCatalog {
  constructor(private readonly db: Db) {}

  async thumbnailOfPreset(model: ModelEntry, presetId: string): Promise<Buffer | null> {
    const preset = model.presets.find((p) => p.id === presetId);
    if (!preset?.thumbnail) return null;
    const file = path.resolve(model.dir, preset.thumbnail);
    // The manifest is ours, but never serve a file outside the model's directory.
    if (!file.startsWith(path.resolve(model.dir) + path.sep)) return null;
    return fs.readFile(file).catch(() => null);
  }

  async thumbnailOfCustom(key: string): Promise<Buffer | null> {
    if (!CUSTOM_KEY.test(key)) return null;
    const row = await this.db.customStyle.findUnique({ where: { id: CUSTOM_PREFIX + key }, select: { thumbnail: true } });
    return row ? Buffer.from(row.thumbnail) : null;
  }

  async addCustom(roomId: string, userId: string, name: string, z: Float32Array, thumbnail: Buffer): Promise<StyleInfo> {
    const id = CUSTOM_PREFIX + makeKey();
    await this.db.customStyle.create({
      data: { id, roomId, name, z: zToBytes(z), thumbnail: new Uint8Array(thumbnail), createdBy: userId },
    });
    return customInfo(id, name);
  }

  /** Everything proposable in a room: presets first, then custom styles newest first. */
  async list(roomId: string, model: ModelEntry): Promise<StyleInfo[]> {
    const custom = await this.db.customStyle.findMany({
      where: { roomId },
      orderBy: { createdAt: 'desc' },
      select: { id: true, name: true },
      take: 50,
    });
    return [...model.presets.map((p) => presetInfo(model, p)), ...custom.map((c) => customInfo(c.id, c.name))];
  }

  /** A style id -> its info and z, or null when the room cannot use it. */
  async resolve(roomId: string, model: ModelEntry, styleId: string): Promise<{ info: StyleInfo; style: Style } | null> {
    const take = parseTakeId(styleId);
    if (take) {
      // A take of a style the room can use: that style's z moved by the seed's noise.
      const base = await this.resolve(roomId, model, take.base);
      if (!base) return null;
      const info = takeInfo(base.info, styleId, take.seed);
      return { info, style: { id: styleId, name: info.name, z: takeZ(base.style.z, take.seed) } };
    }
    const preset = model.presets.find((p) => p.id === styleId);
    if (preset) return { info: presetInfo(model, preset), style: { id: preset.id, name: preset.name, z: Float32Array.from(preset.z) } };
    if (styleId.startsWith(CUSTOM_PREFIX)) {
      const row = await this.db.customStyle.findUnique({ where: { id: styleId } });
      if (!row || row.roomId !== roomId) return null;
      const z = bytesToZ(row.z);
      if (z.length !== model.zDim) return null;
      return { info: customInfo(row.id, row.name), style: { id: row.id, name: row.name, z } };
    }
    return null;
  }

  /** Display info for a style id the room already uses (current style, history). */
  async info(model: ModelEntry, styleId: string): Promise<StyleInfo> {
    const take = parseTakeId(styleId);
    if (take) return takeInfo(await this.info(model, take.base), styleId, take.seed);
    const preset = model.presets.find((p) => p.id === styleId);
    if (preset) return presetInfo(model, preset);
    if (styleId.startsWith(CUSTOM_PREFIX)) {
      const row = await this.db.customStyle.findUnique({ where: { id: styleId }, select: { name: true } });
      if (row) return customInfo(styleId, row.name);
    }
    const fallback = defaultStyle(model);
    return { id: styleId, name: styleId === fallback.id ? fallback.name : styleId, kind: 'default', thumbnail: null };
  }
}
