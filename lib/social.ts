// Types shared by the server and the browser for identity, styles, votes and the gallery.

export interface PublicUser {
  id: string;
  name: string;
  color: string;
}

/** A style a room can render with: a model preset or a custom style from an uploaded image. */
export interface StyleInfo {
  id: string;
  name: string;
  kind: 'preset' | 'custom' | 'default';
  /** URL of a small picture showing the style (preset render or the uploaded image). */
  thumbnail: string | null;
}

/** GET /api/models/:id/presets: the model's presets with their z (previews render with it). */
export interface PresetList {
  model: string;
  presets: Array<StyleInfo & { z: number[] }>;
}

/** GET /api/rooms/:id/styles: everything proposable in the room, and the vote state. */
export interface RoomStyleList {
  styles: StyleInfo[];
  canUpload: boolean;
  vote: VoteState;
}

export interface VoteCandidateInfo {
  id: string;
  style: StyleInfo;
  proposedBy: PublicUser;
  votes: number;
  voters: PublicUser[];
}

export interface VoteRoundInfo {
  id: string;
  status: 'open' | 'closed';
  closedBy: 'majority' | 'timer' | null;
  winner: StyleInfo | null;
  openedBy: PublicUser;
  createdAt: string;
  closesAt: string;
  closedAt: string | null;
  candidates: VoteCandidateInfo[];
}

/** Everything the style panel shows; pushed to the room on every change. */
export interface VoteState {
  roomId: string;
  current: StyleInfo;
  /** The current style's latent z, so browsers' previews render with it too. */
  currentZ: number[];
  /** Distinct people (by identity) connected to the room's channel: the majority base. */
  present: number;
  /** How long a round stays open unless a majority decides first. */
  roundSeconds: number;
  open: VoteRoundInfo | null;
  history: VoteRoundInfo[];
}

export type VoteAck = { ok: true; state: VoteState } | { error: string };

export interface SceneSummary {
  id: string;
  title: string;
  createdAt: string;
  savedBy: PublicUser;
  contributors: Array<PublicUser & { strokes: number }>;
  strokeCount: number;
  style: { id: string | null; name: string | null };
  modelId: string;
  hasImage: boolean;
}

export interface SceneDetail extends SceneSummary {
  /** The room it was saved from; null when that room is private (its id would let people knock) or gone. */
  sourceRoomId: string | null;
  /** In the gallery's list. A scene saved from a private room is unlisted until its saver publishes it. */
  listed: boolean;
  /** The viewer saved it (may delete it). */
  mine: boolean;
}

export interface SceneList {
  scenes: SceneSummary[];
  page: number;
  pages: number;
  total: number;
}
