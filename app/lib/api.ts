'use client';

import type { ModelList, RoomInfo } from '@/lib/protocol';
import type { PresetList, PublicUser, RoomStyleList, SceneDetail, SceneList, SceneSummary, StyleInfo } from '@/lib/social';
import type { Stroke } from '@/lib/strokes';
import type { LinkKind, RoomAccessInfo } from '@/lib/access';
import type { HistoryList } from '@/lib/history';

/** A refusal from the API: its status and the server's own message (`{ error }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const body = res.status === 204 ? null : ((await res.json().catch(() => null)) as (T & { error?: string }) | null);
  if (!res.ok) throw new ApiError(res.status, body?.error ?? `HTTP ${res.status}`);
  return body as T;
}

function sendJson(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const enc = encodeURIComponent;

/** The JSON API, typed with the shapes in lib/ the server answers with. */
export const api = {
  me: () => request<PublicUser>('/api/me'),
  /** The latest full frame checked by the segmenter (unknown until the caller validates it). */
  understanding: (roomId: string) => request<unknown>(`/api/rooms/${enc(roomId)}/understanding`, { method: 'POST' }),
  updateMe: (patch: { name?: string; color?: string }) => request<PublicUser>('/api/me', sendJson('PATCH', patch)),
  models: () => request<ModelList>('/api/models'),
  presets: (modelId: string) => request<PresetList>(`/api/models/${enc(modelId)}/presets`),
  createRoom: (body: { starter: boolean; modelId?: string }) => request<{ id: string }>('/api/rooms', sendJson('POST', body)),
  room: (roomId: string) => request<RoomInfo>(`/api/rooms/${enc(roomId)}`),
  roomStyles: (roomId: string) => request<RoomStyleList>(`/api/rooms/${enc(roomId)}/styles`),
  uploadStyle: (roomId: string, name: string, image: Blob) =>
    request<{ style: StyleInfo }>(`/api/rooms/${enc(roomId)}/styles/upload?name=${enc(name)}`, {
      method: 'POST',
      headers: { 'content-type': image.type },
      body: image,
    }),
  saveScene: (roomId: string, title: string) => request<SceneSummary>(`/api/rooms/${enc(roomId)}/scenes`, sendJson('POST', { title })),
  scenes: (page: number) => request<SceneList>(`/api/scenes?page=${page}`),
  scene: (sceneId: string) => request<SceneDetail>(`/api/scenes/${enc(sceneId)}`),
  sceneStrokes: (sceneId: string) => request<{ strokes: Stroke[] }>(`/api/scenes/${enc(sceneId)}/strokes`),
  forkScene: (sceneId: string) => request<{ roomId: string }>(`/api/scenes/${enc(sceneId)}/fork`, { method: 'POST' }),
  deleteScene: (sceneId: string) => request<null>(`/api/scenes/${enc(sceneId)}`, { method: 'DELETE' }),
  publishScene: (sceneId: string) => request<SceneDetail>(`/api/scenes/${enc(sceneId)}/publish`, { method: 'POST' }),
  access: (roomId: string) => request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/access`),
  redeemLink: (roomId: string, key: string) => request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/access`, sendJson('POST', { key })),
  setPrivate: (roomId: string, value: boolean) =>
    request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/access`, sendJson('PATCH', { private: value })),
  claimRoom: (roomId: string) => request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/claim`, { method: 'POST' }),
  rotateLink: (roomId: string, kind: LinkKind) =>
    request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/links/${kind}/rotate`, { method: 'POST' }),
  setMemberRole: (roomId: string, userId: string, role: 'editor' | 'viewer' | 'removed') =>
    request<RoomAccessInfo>(`/api/rooms/${enc(roomId)}/members/${enc(userId)}`, sendJson('PUT', { role })),
  history: (roomId: string) => request<HistoryList>(`/api/rooms/${enc(roomId)}/history`),
  restoreVersion: (roomId: string, versionId: number) =>
    request<HistoryList>(`/api/rooms/${enc(roomId)}/history/${versionId}/restore`, { method: 'POST' }),
};
