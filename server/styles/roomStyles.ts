import type { Db } from '../db';
import type { ModelEntry } from '../models/modelRegistry';
import type { RoomRegistry } from '../sync/roomRegistry';
import { RoomStateKey } from '../sync/roomExtension';

export interface Style {
  id: string;
  name: string;
  z: Float32Array;
}

/** The style a room renders with when nobody has chosen one: the model's first preset, else z = 0. */
export function defaultStyle(model: ModelEntry): Style {
  const preset = model.presets[0];
  return preset
    ? { id: preset.id, name: preset.name, z: Float32Array.from(preset.z) }
    : { id: 'neutral', name: 'Neutral', z: new Float32Array(model.zDim) };
}

const CURRENT_STYLE = new RoomStateKey<Style>('style');

/**
 * Each room's current style z, stored on the room record and cached with the live room (so the
 * cache goes when the room unloads). A change reaches the room's extensions (onSetting), so the
 * renderer picks the new style up.
 */
export class RoomStyles {
  constructor(
    private readonly db: Db,
    private readonly registry: RoomRegistry,
  ) {}

  async get(roomId: string, model: ModelEntry): Promise<Style> {
    const cached = this.registry.get(roomId)?.get(CURRENT_STYLE);
    if (cached && cached.z.length === model.zDim) return cached;
    const room = await this.db.room.findUnique({ where: { id: roomId }, select: { styleId: true, styleZ: true } });
    let style = defaultStyle(model);
    if (room?.styleId && room.styleZ && room.styleZ.byteLength === model.zDim * 4) {
      const preset = model.presets.find((p) => p.id === room.styleId);
      const bytes = new Uint8Array(room.styleZ);
      style = {
        id: room.styleId,
        name: preset?.name ?? room.styleId,
        z: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      };
    }
    this.registry.get(roomId)?.set(CURRENT_STYLE, style);
    return style;
  }

  async set(roomId: string, style: Style): Promise<void> {
    await this.db.room.update({
      where: { id: roomId },
      data: { styleId: style.id, styleZ: Buffer.from(new Uint8Array(style.z.buffer, style.z.byteOffset, style.z.byteLength)) },
    });
    this.registry.get(roomId)?.set(CURRENT_STYLE, style);
    this.registry.settingChanged(roomId, 'style');
  }
}
