import * as Y from 'yjs';
import sharp from 'sharp';
import { customAlphabet } from 'nanoid';
import { z } from 'zod';
import type { Db } from '../db';
import type { ModelRegistry } from '../models/modelRegistry';
import type { RoomService } from '../rooms/roomService';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { RoomStyles } from '../styles/roomStyles';
import type { StyleCatalog } from '../styles/styleCatalog';
import type { RoomAccess } from '../rooms/roomAccess';
import type { Identity } from '../identity/identity';
import { HttpError } from '../http/json';
import { rasterize } from '../../lib/raster';
import { labelMapToRGBA } from '../../lib/labels';
import type { Stroke } from '../../lib/strokes';
import { STROKES_KEY, type FrameMeta } from '../../lib/protocol';
import type { PublicUser, SceneDetail, SceneList, SceneSummary } from '../../lib/social';

const makeSceneId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 14);
export const SCENE_ID = /^[0-9a-z]{14}$/;
export const PAGE_SIZE = 12;
/** Label map PNGs are stored at this size (the canvas is 1024 units; 512 keeps detail, stays small). */
const LABEL_MAP_SIZE = 512;

export const saveSceneBody = z
  .object({
    title: z
      .string()
      .trim()
      .min(1, { error: 'give the scene a title' })
      .max(80, { error: 'title must be at most 80 characters' })
      .regex(/^[^\u0000-\u001f]+$/, { error: 'title contains control characters' }),
  })
  .strict();

type Contributor = PublicUser & { strokes: number };

/**
 * Saved scenes: a snapshot of a room (Yjs state, label map PNG, latest rendered frame, style,
 * contributors) that outlives the room; listed newest first, forkable into a new room.
 */
export class Gallery {
  constructor(
    private readonly deps: {
      db: Db;
      models: ModelRegistry;
      rooms: RoomService;
      registry: RoomRegistry;
      styles: RoomStyles;
      catalog: StyleCatalog;
      identity: Identity;
      /** Saving needs edit rights in the room. */
      access: Pick<RoomAccess, 'requireEdit'>;
      latestFrame: (roomId: string) => { meta: FrameMeta; bytes: Buffer } | null;
      /** Whether the renderer is serving this room (someone watches it). */
      isRendered: (roomId: string) => boolean;
    },
  ) {}

  /**
   * The latest frame, preferring a full-quality one of exactly this version and style: when the
   * room is being rendered and the last edit, style change or full refresh of a draft is still
   * in flight, wait briefly for it.
   */
  private async frameFor(
    roomId: string,
    version: number,
    styleId: string,
    waitMs = 4000,
  ): Promise<{ meta: FrameMeta; bytes: Buffer } | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const frame = this.deps.latestFrame(roomId);
      const current = frame && frame.meta.version === version && frame.meta.style === styleId && frame.meta.quality === 'full';
      if (current || !this.deps.isRendered(roomId) || Date.now() > deadline) return frame;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async save(roomId: string, userId: string, title: string): Promise<SceneSummary> {
    const record = await this.deps.rooms.find(roomId);
    if (!record) throw new HttpError(404, 'no such room');
    await this.deps.access.requireEdit(roomId, userId);
    const model = this.deps.models.forRoom(record);
    const room = await this.deps.registry.open(roomId);
    // Snapshot synchronously so state, strokes and version all describe the same moment.
    const state = Y.encodeStateAsUpdate(room.doc);
    const strokes = room.strokes.toArray();
    const version = room.version;
    if (strokes.length === 0) throw new HttpError(400, 'the canvas is empty: paint something first');
    const map = rasterize(strokes, LABEL_MAP_SIZE, LABEL_MAP_SIZE, model.labels);
    const labelMap = await sharp(Buffer.from(labelMapToRGBA(map, model.labels).buffer), {
      raw: { width: LABEL_MAP_SIZE, height: LABEL_MAP_SIZE, channels: 4 },
    })
      .png({ palette: true })
      .toBuffer();
    const style = await this.deps.styles.get(roomId, model);
    const frame = await this.frameFor(roomId, version, style.id);
    const styleInfo = await this.deps.catalog.info(model, style.id);
    await this.deps.identity.user(userId);

    const counts = new Map<string, number>();
    for (const s of strokes) if (s.by && s.tool !== 'clear') counts.set(s.by, (counts.get(s.by) ?? 0) + 1);
    const names = await this.deps.identity.names([...counts.keys()]);
    const contributors: Contributor[] = [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([id, n]) => ({ ...(names.get(id) ?? { id, name: 'Anonymous painter', color: '#888888' }), strokes: n }));

    const row = await this.deps.db.scene.create({
      data: {
        id: makeSceneId(),
        title,
        sourceRoomId: roomId,
        modelId: model.id,
        yjsState: new Uint8Array(state),
        strokeCount: strokes.length,
        labelMap: new Uint8Array(labelMap),
        image: frame ? new Uint8Array(frame.bytes) : null,
        imageMime: frame ? frame.meta.mime : null,
        styleId: style.id,
        styleName: styleInfo.name,
        styleZ: new Uint8Array(new Uint8Array(style.z.buffer, style.z.byteOffset, style.z.byteLength)),
        contributors: JSON.stringify(contributors),
        savedById: userId,
        // A private room's work stays out of the public list unless the saver publishes it.
        listed: !record.private,
      },
      include: { savedBy: true },
    });
    return summary(row);
  }

  async list(page: number): Promise<SceneList> {
    const total = await this.deps.db.scene.count({ where: { listed: true } });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const rows = await this.deps.db.scene.findMany({
      where: { listed: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      include: { savedBy: true },
      omit: { yjsState: true, labelMap: true, image: true, styleZ: true },
    });
    return { scenes: rows.map(summary), page, pages, total };
  }

  async detail(id: string, viewer: string | null): Promise<SceneDetail> {
    const row = await this.deps.db.scene.findUnique({
      where: { id },
      include: { savedBy: true },
      omit: { yjsState: true, labelMap: true, image: true, styleZ: true },
    });
    if (!row) throw new HttpError(404, 'no such scene');
    // Judged now, not at saving: a room made private later hides its id from then on.
    const source = row.sourceRoomId ? await this.deps.rooms.find(row.sourceRoomId) : null;
    return {
      ...summary(row),
      sourceRoomId: source && !source.private ? source.id : null,
      listed: row.listed,
      mine: viewer === row.savedById,
    };
  }

  /** Lists an unlisted scene in the gallery; only the person who saved it may. */
  async publish(id: string, userId: string | null): Promise<SceneDetail> {
    const row = await this.deps.db.scene.findUnique({ where: { id }, select: { savedById: true } });
    if (!row) throw new HttpError(404, 'no such scene');
    if (!userId || row.savedById !== userId) throw new HttpError(403, 'only the person who saved a scene can publish it');
    await this.deps.db.scene.update({ where: { id }, data: { listed: true } });
    return this.detail(id, userId);
  }

  async image(id: string): Promise<{ bytes: Buffer; mime: string } | null> {
    const row = await this.deps.db.scene.findUnique({ where: { id }, select: { image: true, imageMime: true } });
    if (!row) throw new HttpError(404, 'no such scene');
    return row.image && row.imageMime ? { bytes: Buffer.from(row.image), mime: row.imageMime } : null;
  }

  async labelMap(id: string): Promise<Buffer> {
    const row = await this.deps.db.scene.findUnique({ where: { id }, select: { labelMap: true } });
    if (!row) throw new HttpError(404, 'no such scene');
    return Buffer.from(row.labelMap);
  }

  /** The strokes in document order, for the timelapse (the Yjs array keeps painting order). */
  async strokes(id: string): Promise<Stroke[]> {
    const row = await this.deps.db.scene.findUnique({ where: { id }, select: { yjsState: true } });
    if (!row) throw new HttpError(404, 'no such scene');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(row.yjsState));
    const strokes = doc.getArray<Stroke>(STROKES_KEY).toArray();
    doc.destroy();
    return strokes;
  }

  /** A new room whose document starts as the saved state, rendering with the saved style; `ownerId` forked it. */
  async fork(id: string, ownerId: string): Promise<string> {
    const row = await this.deps.db.scene.findUnique({
      where: { id },
      select: { yjsState: true, modelId: true, styleId: true, styleName: true, styleZ: true },
    });
    if (!row) throw new HttpError(404, 'no such scene');
    const model = this.deps.models.forRoom(row);
    const room = await this.deps.rooms.createFromState(model.id, new Uint8Array(row.yjsState), ownerId);
    if (row.styleId && row.styleZ && row.styleZ.byteLength === model.zDim * 4) {
      const bytes = new Uint8Array(row.styleZ);
      const z = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      await this.deps.styles.set(room.id, { id: row.styleId, name: row.styleName ?? row.styleId, z });
    }
    return room.id;
  }

  async remove(id: string, userId: string | null): Promise<void> {
    const row = await this.deps.db.scene.findUnique({ where: { id }, select: { savedById: true } });
    if (!row) throw new HttpError(404, 'no such scene');
    if (!userId || row.savedById !== userId) throw new HttpError(403, 'only the person who saved a scene can delete it');
    await this.deps.db.scene.delete({ where: { id } });
  }
}

function summary(row: {
  id: string;
  title: string;
  createdAt: Date;
  contributors: string;
  strokeCount: number;
  modelId: string;
  styleId: string | null;
  styleName: string | null;
  imageMime: string | null;
  savedBy: { id: string; name: string; color: string };
}): SceneSummary {
  let contributors: Contributor[] = [];
  try {
    contributors = JSON.parse(row.contributors) as Contributor[];
  } catch {
    // stored by us; an unreadable list just shows no credits
  }
  return {
    id: row.id,
    title: row.title,
    createdAt: row.createdAt.toISOString(),
    savedBy: { id: row.savedBy.id, name: row.savedBy.name, color: row.savedBy.color },
    contributors,
    strokeCount: row.strokeCount,
    style: { id: row.styleId, name: row.styleName },
    modelId: row.modelId,
    hasImage: row.imageMime !== null,
  };
}
