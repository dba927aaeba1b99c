import type { SceneSummary } from '@/lib/social';

export function timeAgo(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** A saved scene as a card: the render with its label map in the corner, who saved it, when. */
export function SceneCard({ scene }: { scene: SceneSummary }) {
  const painters = scene.contributors.length;
  return (
    <a className="scene-card" href={`/scenes/${scene.id}`} data-testid="scene-card" data-scene-id={scene.id}>
      <div className="scene-thumb">
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img src={scene.hasImage ? `/api/scenes/${scene.id}/image` : `/api/scenes/${scene.id}/labels.png`} alt="" loading="lazy" />
        {scene.hasImage && (
          // eslint-disable-next-line @next/next/no-img-element
          <img className="scene-thumb-labels" src={`/api/scenes/${scene.id}/labels.png`} alt="" loading="lazy" />
        )}
      </div>
      <div className="scene-card-body">
        <div className="scene-title">{scene.title}</div>
        <div className="muted small">
          <span className="dot" style={{ background: scene.savedBy.color }} /> {scene.savedBy.name}
          {painters > 1 ? ` + ${painters - 1} more` : ''} · {timeAgo(scene.createdAt)}
        </div>
        {scene.style.name && <div className="muted small">Style: {scene.style.name}</div>}
      </div>
    </a>
  );
}
