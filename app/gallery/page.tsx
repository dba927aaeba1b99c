import type { Metadata } from 'next';
import { GalleryView } from '../components/GalleryView';

export const metadata: Metadata = { title: 'Gallery · SPADE Canvas' };

export default async function GalleryPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const { page } = await searchParams;
  const n = Number(page ?? 1);
  return <GalleryView page={Number.isInteger(n) && n >= 1 ? n : 1} />;
}
