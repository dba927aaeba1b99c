import { notFound } from 'next/navigation';
import { SceneView } from '../../components/SceneView';

export default async function ScenePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[0-9a-z]{14}$/.test(id)) notFound();
  return <SceneView id={id} />;
}
