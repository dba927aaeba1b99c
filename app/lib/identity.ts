'use client';

const ADJECTIVES = ['Amber', 'Azure', 'Coral', 'Misty', 'Golden', 'Silver', 'Mossy', 'Rosy', 'Sunny', 'Stormy', 'Quiet', 'Brisk'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Fox', 'Badger', 'Crane', 'Marten', 'Ibex', 'Puffin', 'Hare', 'Wren', 'Seal'];
const COLORS = ['#e4572e', '#29335c', '#f3a712', '#669bbc', '#a8c686', '#c03221', '#7b2cbf', '#2a9d8f', '#e76f51', '#264653', '#d62828', '#3a86ff'];

export interface Identity {
  name: string;
  color: string;
}

const KEY = 'spade-canvas:identity';

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)];
}

/** A per-browser display name and colour, kept in localStorage so it survives reloads. */
export function loadIdentity(): Identity {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Identity | null;
    if (stored && typeof stored.name === 'string' && /^#[0-9a-f]{6}$/i.test(stored.color)) return stored;
  } catch {
    // fall through to a fresh identity
  }
  const fresh = { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(COLORS) };
  saveIdentity(fresh);
  return fresh;
}

export function saveIdentity(identity: Identity): void {
  localStorage.setItem(KEY, JSON.stringify({ name: identity.name.slice(0, 40), color: identity.color }));
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
