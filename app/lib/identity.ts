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
