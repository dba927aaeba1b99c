'use client';

import type { PublicUser } from '@/lib/social';

/** Who this browser is: an anonymous user the server knows by a signed cookie (see /api/me). */
export type Identity = PublicUser;

export const IDENTITY_COLORS = [
  '#e4572e',
  '#f3a712',
  '#669bbc',
  '#a8c686',
  '#c03221',
  '#9d4edd',
  '#2a9d8f',
  '#e76f51',
  '#4cc9f0',
  '#d62828',
  '#3a86ff',
  '#ff66c4',
];

async function meRequest(init?: RequestInit): Promise<Identity> {
  const res = await fetch('/api/me', { credentials: 'same-origin', ...init });
  const body = (await res.json()) as Identity & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** This browser's identity; the server issues the cookie on first contact. */
export function fetchMe(): Promise<Identity> {
  return meRequest();
}

/** Changes the display name and/or colour; the server validates and answers the stored values. */
export function updateMe(patch: { name?: string; color?: string }): Promise<Identity> {
  return meRequest({ method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
}

const RECENT_KEY = 'spade-canvas:recent-rooms';

export interface RecentRoom {
  id: string;
  visitedAt: number;
}

export function recentRooms(): RecentRoom[] {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as RecentRoom[];
    return Array.isArray(list) ? list.filter((r) => typeof r.id === 'string' && typeof r.visitedAt === 'number') : [];
  } catch {
    return [];
  }
}

export function rememberRoom(id: string): void {
  const list = [{ id, visitedAt: Date.now() }, ...recentRooms().filter((r) => r.id !== id)].slice(0, 8);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}
