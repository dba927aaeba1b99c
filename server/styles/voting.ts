import { customAlphabet } from 'nanoid';
import type { Db } from '../db';
import type { ModelEntry, ModelRegistry } from '../models/modelRegistry';
import type { FeedContext, Realtime, RoomChannel } from '../realtime';
import type { RoomService } from '../rooms/roomService';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { Room } from '../sync/room';
import { RoomStateKey, type RoomExtension } from '../sync/roomExtension';
import type { Identity } from '../identity/identity';
import type { Logger } from '../log';
import type { RoomStyles } from './roomStyles';
import type { StyleCatalog } from './styleCatalog';
import { formatIssues } from '../../lib/labels';
import { UserLimits } from '../limits/userLimits';
import type { PublicUser, VoteAck, VoteRoundInfo, VoteState } from '../../lib/social';
import { EVENTS, proposePayload, votePayload } from '../../lib/events';
import { canEdit } from '../../lib/access';

const makeId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 16);
const MAX_CANDIDATES = 6;
const HISTORY = 12;

/** A refusal the client should show as is. */
class VoteError extends Error {}

export interface VotingOptions {
  /** A round closes this long after it opens unless a majority decides first. */
  roundMs: number;
  /**
   * Several sync instances (REDIS_URL): a round's timer runs on the instance serving its room,
   * armed when that instance loads the room, so it fires once and the room's new owner re-arms it.
   */
  ownedRoomsOnly?: boolean;
}

type RoundRow = NonNullable<Awaited<ReturnType<Voting['loadRound']>>>;

/** How many voters a room had at the last recount (a join or leave that changes nothing sends nothing). */
const VOTERS = new RoomStateKey<{ count: number }>('voting-voters');

/**
 * Style votes, server-authoritative. Anyone in a room proposes a style (a preset or a custom
 * style made in that room); the first proposal opens a round, later ones add candidates.
 * Proposing counts as your vote when you have not voted yet. Each person votes once per round
 * (the Ballot primary key enforces it). A round closes as soon as one candidate has more than
 * half of the people present, or when its timer runs out (most votes wins, ties go to the earliest
 * proposal); the winner becomes the room's style through RoomStyles, which re-renders the room.
 */
export class Voting implements RoomExtension {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per-room queue: votes of one room are applied one at a time, so tallies never race. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Each proposal may open a round (a stored row): a burst of 5, then one every 2 s per person. */
  private readonly proposals = new UserLimits(0.5, 5);

  constructor(
    private readonly deps: {
      db: Db;
      feed: Pick<Realtime, 'handle'>;
      channel: RoomChannel;
      registry: RoomRegistry;
      identity: Identity;
      catalog: StyleCatalog;
      styles: RoomStyles;
      models: ModelRegistry;
      rooms: RoomService;
      log: Logger;
    },
    private readonly options: VotingOptions,
  ) {
    deps.feed.handle(EVENTS.propose, (context, payload) =>
      this.request(context, (roomId, userId) => this.propose(roomId, userId, payload)),
    );
    deps.feed.handle(EVENTS.vote, (context, payload) => this.request(context, (roomId, userId) => this.vote(roomId, userId, payload)));
    deps.feed.handle(EVENTS.voteState, async (context): Promise<VoteAck> => ({ ok: true, state: await this.state(context.room.id) }));
  }

  onLoad(room: Room): void {
    if (!this.options.ownedRoomsOnly) return;
    void this.deps.db.voteRound
      .findMany({ where: { roomId: room.id, status: 'open' }, select: { id: true, closesAt: true } })
      .then((open) => {
        for (const r of open) this.arm(room.id, r.id, r.closesAt);
      })
      .catch((error: unknown) => this.deps.log.error({ err: error, room: room.id }, 'arming vote rounds failed'));
  }

  onJoin(room: Room): void {
    this.votersChanged(room);
  }

  onLeave(room: Room): void {
    this.votersChanged(room);
  }

  /**
   * Recounts on either channel: a page's feed and Yjs sockets leave in either order, and counting
   * at the feed's leave alone kept a person who left present until someone else came or went.
   */
  private votersChanged(room: Room): void {
    const count = room.editors().size;
    if (room.get(VOTERS)?.count === count) return;
    room.set(VOTERS, { count });
    void this.onPresence(room.id);
  }

  /** Re-arms the timers of rounds left open by a previous run (closing overdue ones). */
  async start(): Promise<void> {
    if (this.options.ownedRoomsOnly) return;
    const open = await this.deps.db.voteRound.findMany({ where: { status: 'open' }, select: { id: true, roomId: true, closesAt: true } });
    for (const r of open) this.arm(r.roomId, r.id, r.closesAt);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private serial<T>(roomId: string, task: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(roomId) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.catch(() => undefined);
    this.locks.set(roomId, settled);
    void settled.then(() => {
      if (this.locks.get(roomId) === settled) this.locks.delete(roomId);
    });
    return next;
  }

  /** Runs a proposal or vote for the session's user, one at a time per room; answers the new state. */
  private async request(context: FeedContext, run: (roomId: string, userId: string) => Promise<void>): Promise<VoteAck> {
    const roomId = context.room.id;
    const userId = context.session.user;
    if (!userId) return { error: 'no identity: reload the page to get one' };
    if (!canEdit(context.session.role)) return { error: 'read-only: viewers cannot propose or vote' };
    try {
      await this.serial(roomId, () => run(roomId, userId));
    } catch (error) {
      if (error instanceof VoteError) return { error: error.message };
      throw error;
    }
    return { ok: true, state: await this.state(roomId) };
  }

  /** Someone joined or left: the majority base changed; everyone (the newcomer too) gets the state. */
  private async onPresence(roomId: string): Promise<void> {
    try {
      // Someone leaving can turn the votes already cast into a majority.
      await this.serial(roomId, async () => {
        const open = await this.openRound(roomId);
        if (open) await this.evaluate(roomId, open.id);
      });
      this.deps.channel.emit(roomId, EVENTS.voteUpdate, await this.state(roomId));
    } catch (error) {
      this.deps.log.error({ err: error, room: roomId }, 'vote presence update failed');
    }
  }

  private async modelOf(roomId: string): Promise<ModelEntry> {
    const room = await this.deps.rooms.find(roomId);
    return this.deps.models.forRoom(room);
  }

  /** Distinct identified people connected to the room with edit rights: the only ones who vote. */
  private voters(roomId: string): Set<string> {
    return this.deps.registry.get(roomId)?.editors() ?? new Set();
  }

  /** How many voters the room has (at least 1). */
  present(roomId: string): number {
    return Math.max(1, this.voters(roomId).size);
  }

  private openRound(roomId: string) {
    return this.deps.db.voteRound.findFirst({ where: { roomId, status: 'open' }, orderBy: { createdAt: 'desc' }, select: { id: true } });
  }

  loadRound(id: string) {
    return this.deps.db.voteRound.findUnique({
      where: { id },
      include: { candidates: { orderBy: { createdAt: 'asc' }, include: { ballots: { orderBy: { createdAt: 'asc' } } } } },
    });
  }

  private async propose(roomId: string, userId: string, payload: unknown): Promise<void> {
    const parsed = proposePayload.safeParse(payload);
    if (!parsed.success) throw new VoteError(`bad proposal: ${formatIssues(parsed.error.issues)}`);
    const { styleId } = parsed.data;
    if (!this.proposals.take(userId)) throw new VoteError('proposing too often: wait a few seconds');
    const model = await this.modelOf(roomId);
    const resolved = await this.deps.catalog.resolve(roomId, model, styleId);
    if (!resolved) throw new VoteError(`unknown style "${styleId}" for this room`);
    await this.deps.identity.user(userId);
    const db = this.deps.db;
    let round = await this.openRound(roomId);
    if (!round) {
      const current = await this.deps.styles.get(roomId, model);
      if (current.id === styleId) throw new VoteError(`"${resolved.info.name}" is already the room's style`);
      const closesAt = new Date(Date.now() + this.options.roundMs);
      round = await db.voteRound.create({ data: { id: makeId(), roomId, openedBy: userId, closesAt }, select: { id: true } });
      this.arm(roomId, round.id, closesAt);
    }
    const full = (await this.loadRound(round.id))!;
    if (full.candidates.some((c) => c.styleId === styleId))
      throw new VoteError(`"${resolved.info.name}" is already proposed in this round: vote for it`);
    if (full.candidates.length >= MAX_CANDIDATES)
      throw new VoteError(`a round holds at most ${MAX_CANDIDATES} styles; vote for one of them`);
    const candidate = await db.voteCandidate.create({
      data: { id: makeId(), roundId: round.id, styleId, styleName: resolved.info.name, proposedBy: userId },
    });
    const voted = full.candidates.some((c) => c.ballots.some((b) => b.userId === userId));
    if (!voted) await db.ballot.create({ data: { roundId: round.id, userId, candidateId: candidate.id } });
    await this.evaluate(roomId, round.id);
  }

  private async vote(roomId: string, userId: string, payload: unknown): Promise<void> {
    const parsed = votePayload.safeParse(payload);
    if (!parsed.success) throw new VoteError(`bad vote: ${formatIssues(parsed.error.issues)}`);
    const { roundId, candidateId } = parsed.data;
    const round = await this.loadRound(roundId);
    if (!round || round.roomId !== roomId) throw new VoteError('no such round in this room');
    if (round.status !== 'open') throw new VoteError('this round is closed');
    if (!round.candidates.some((c) => c.id === candidateId)) throw new VoteError('no such style in this round');
    if (round.candidates.some((c) => c.ballots.some((b) => b.userId === userId))) throw new VoteError('you already voted in this round');
    await this.deps.identity.user(userId);
    try {
      await this.deps.db.ballot.create({ data: { roundId, userId, candidateId } });
    } catch (error) {
      // Same user voting from two tabs at once: the primary key refuses the second ballot.
      if ((error as { code?: string }).code === 'P2002') throw new VoteError('you already voted in this round');
      throw error;
    }
    await this.evaluate(roomId, roundId);
  }

  /** Closes the round if a candidate has more than half of the people present. */
  private async evaluate(roomId: string, roundId: string): Promise<void> {
    const round = await this.loadRound(roundId);
    if (!round || round.status !== 'open') return;
    // A majority of the editors here now, counting only their ballots (not those of people who left).
    const voters = this.voters(roomId);
    const present = Math.max(1, voters.size);
    const leader = round.candidates.find((c) => c.ballots.filter((b) => voters.has(b.userId)).length * 2 > present);
    if (leader) await this.finish(round, 'majority');
    else this.broadcast(roomId);
  }

  private arm(roomId: string, roundId: string, closesAt: Date): void {
    clearTimeout(this.timers.get(roundId));
    const timer = setTimeout(
      () => {
        this.timers.delete(roundId);
        // Not serving the room (unloaded or moved): whoever loads it next arms the round again.
        if (this.options.ownedRoomsOnly && !this.deps.registry.get(roomId)) return;
        this.serial(roomId, async () => {
          const round = await this.loadRound(roundId);
          if (round?.status === 'open') await this.finish(round, 'timer');
        }).catch((error: unknown) => this.deps.log.error({ err: error, room: roomId }, 'closing a vote round failed'));
      },
      Math.max(0, closesAt.getTime() - Date.now()),
    );
    timer.unref();
    this.timers.set(roundId, timer);
  }

  private async finish(round: RoundRow, closedBy: 'majority' | 'timer'): Promise<void> {
    clearTimeout(this.timers.get(round.id));
    this.timers.delete(round.id);
    // Most votes wins; candidates are in proposal order, so a tie goes to the earliest.
    let winner: RoundRow['candidates'][number] | null = null;
    for (const c of round.candidates) if (c.ballots.length > 0 && (!winner || c.ballots.length > winner.ballots.length)) winner = c;
    // Only while open: a round closes once, whichever instance or path gets there first.
    const closed = await this.deps.db.voteRound.updateMany({
      where: { id: round.id, status: 'open' },
      data: { status: 'closed', closedBy, closedAt: new Date(), winnerId: winner?.styleId ?? null },
    });
    if (closed.count === 0) return;
    if (winner) {
      const model = await this.modelOf(round.roomId);
      const resolved = await this.deps.catalog.resolve(round.roomId, model, winner.styleId);
      if (resolved) await this.deps.styles.set(round.roomId, resolved.style);
    }
    this.deps.log.info({ room: round.roomId, round: round.id, closedBy, winner: winner?.styleId ?? null }, 'style vote closed');
    this.broadcast(round.roomId);
  }

  private broadcast(roomId: string): void {
    this.state(roomId)
      .then((state) => this.deps.channel.emit(roomId, EVENTS.voteUpdate, state))
      .catch((error: unknown) => this.deps.log.error({ err: error, room: roomId }, 'vote state broadcast failed'));
  }

  /** The room's style, the open round and recent history, with names resolved. */
  async state(roomId: string): Promise<VoteState> {
    const model = await this.modelOf(roomId);
    const [current, present, rounds] = await Promise.all([
      this.deps.styles.get(roomId, model),
      this.present(roomId),
      this.deps.db.voteRound.findMany({
        where: { roomId },
        orderBy: { createdAt: 'desc' },
        take: HISTORY + 1,
        include: { candidates: { orderBy: { createdAt: 'asc' }, include: { ballots: { orderBy: { createdAt: 'asc' } } } } },
      }),
    ]);
    const userIds = rounds.flatMap((r) => [r.openedBy, ...r.candidates.flatMap((c) => [c.proposedBy, ...c.ballots.map((b) => b.userId)])]);
    const users = await this.deps.identity.names(userIds);
    const who = (id: string): PublicUser => users.get(id) ?? { id, name: 'Someone', color: '#888888' };
    const infos = new Map<string, Awaited<ReturnType<StyleCatalog['info']>>>();
    const infoOf = async (styleId: string) => {
      if (!infos.has(styleId)) infos.set(styleId, await this.deps.catalog.info(model, styleId));
      return infos.get(styleId)!;
    };
    const toInfo = async (r: (typeof rounds)[number]): Promise<VoteRoundInfo> => ({
      id: r.id,
      status: r.status === 'open' ? 'open' : 'closed',
      closedBy: r.closedBy === 'majority' || r.closedBy === 'timer' ? r.closedBy : null,
      winner: r.winnerId ? await infoOf(r.winnerId) : null,
      openedBy: who(r.openedBy),
      createdAt: r.createdAt.toISOString(),
      closesAt: r.closesAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
      candidates: await Promise.all(
        r.candidates.map(async (c) => ({
          id: c.id,
          style: await infoOf(c.styleId),
          proposedBy: who(c.proposedBy),
          votes: c.ballots.length,
          voters: c.ballots.map((b) => who(b.userId)),
        })),
      ),
    });
    const openRow = rounds.find((r) => r.status === 'open') ?? null;
    return {
      roomId,
      current: await infoOf(current.id),
      currentZ: Array.from(current.z, (v) => Math.round(v * 1e5) / 1e5),
      present,
      roundSeconds: Math.round(this.options.roundMs / 1000),
      open: openRow ? await toInfo(openRow) : null,
      history: await Promise.all(
        rounds
          .filter((r) => r.status !== 'open')
          .slice(0, HISTORY)
          .map(toInfo),
      ),
    };
  }
}
