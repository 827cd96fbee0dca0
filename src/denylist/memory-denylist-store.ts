// In-process DenylistStore: for a single instance and tests; refused in production by the configuration.
import { supersedes, type RaiseCutoffOptions, type RefreshTokenRecord, type Revocation, type DenylistStore, type SessionRevocation } from './denylist-store';

interface UserEntry {
  /** Logged-out session id → expiry (epoch ms). */
  sessions: Map<string, number>;
  /** A refreshed token's session id → the session it was refreshed from, and the link's expiry (epoch ms). */
  links: Map<string, { sessionId: string; expiresAt: number }>;
  cutoff?: { value: number; expiresAt: number; spareSessionId?: string };
}

const SWEEP_INTERVAL_MS = 60_000;

/** Keeps session state in Maps, with the same expiry semantics as the Redis store. */
export class MemoryDenylistStore implements DenylistStore {
  private readonly users = new Map<string, UserEntry>();
  private readonly refreshTokens = new Map<string, { record: RefreshTokenRecord; expiresAt: number }>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async revokeSession(sub: string, sessionId: string, ttlSeconds: number): Promise<void> {
    this.entry(sub).sessions.set(sessionId, this.now() + ttlSeconds * 1000);
    this.sweep();
  }

  async revokeAllUpTo(sub: string, cutoff: number, ttlSeconds: number, spareSessionId?: string): Promise<void> {
    this.entry(sub).cutoff = { value: cutoff, expiresAt: this.now() + ttlSeconds * 1000, spareSessionId };
    this.sweep();
  }

  async raiseCutoff(sub: string, cutoff: number, ttlSeconds: number, options?: RaiseCutoffOptions): Promise<boolean> {
    const now = this.now();
    const found = this.users.get(sub)?.cutoff;
    if (found && found.expiresAt > now && supersedes(found.value, found.spareSessionId !== undefined, cutoff, options)) return false;
    this.entry(sub).cutoff = { value: cutoff, expiresAt: now + ttlSeconds * 1000 };
    this.sweep();
    return true;
  }

  async getRevocation(sub: string, sessionId: string): Promise<Revocation> {
    const entry = this.users.get(sub);
    const now = this.now();
    const sessionExpiry = entry?.sessions.get(sessionId);
    const found = entry?.cutoff;
    const cutoff = found && found.expiresAt > now && found.spareSessionId !== sessionId ? found.value : null;
    return { sessionRevoked: sessionExpiry !== undefined && sessionExpiry > now, cutoff };
  }

  async linkSession(sub: string, tokenSessionId: string, sessionId: string, ttlSeconds: number): Promise<void> {
    this.entry(sub).links.set(tokenSessionId, { sessionId, expiresAt: this.now() + ttlSeconds * 1000 });
    this.sweep();
  }

  async getSessionRevocation(sub: string, tokenSessionId: string): Promise<SessionRevocation> {
    const own = await this.getRevocation(sub, tokenSessionId);
    const link = this.users.get(sub)?.links.get(tokenSessionId);
    if (!link || link.expiresAt <= this.now()) return { sessionId: tokenSessionId, ...own };
    const of = await this.getRevocation(sub, link.sessionId);
    return { sessionId: link.sessionId, sessionRevoked: own.sessionRevoked || of.sessionRevoked, cutoff: of.cutoff };
  }

  async rememberRefreshToken(tokenId: string, record: RefreshTokenRecord, ttlSeconds: number): Promise<void> {
    this.refreshTokens.set(tokenId, { record, expiresAt: this.now() + ttlSeconds * 1000 });
    this.sweep();
  }

  async findRefreshToken(tokenId: string): Promise<RefreshTokenRecord | null> {
    const found = this.refreshTokens.get(tokenId);
    return found && found.expiresAt > this.now() ? found.record : null;
  }

  async forgetRefreshToken(tokenId: string): Promise<void> {
    this.refreshTokens.delete(tokenId);
  }

  async ping(): Promise<void> {}

  /** Nothing to ready: this store begins empty with its process, and all it held is gone with it. */
  async open(): Promise<void> {}

  /** Nothing evicts from this store. */
  async checkSettings(): Promise<void> {}

  private entry(sub: string): UserEntry {
    let entry = this.users.get(sub);
    if (!entry) {
      entry = { sessions: new Map(), links: new Map() };
      this.users.set(sub, entry);
    }
    return entry;
  }

  /** Drops expired entries at most once a minute, so memory follows the live entries. */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [sub, entry] of this.users) {
      for (const [sessionId, expiresAt] of entry.sessions) if (expiresAt <= now) entry.sessions.delete(sessionId);
      if (entry.cutoff && entry.cutoff.expiresAt <= now) delete entry.cutoff;
      for (const [id, link] of entry.links) if (link.expiresAt <= now) entry.links.delete(id);
      if (entry.sessions.size === 0 && entry.links.size === 0 && !entry.cutoff) this.users.delete(sub);
    }
    for (const [tokenId, { expiresAt }] of this.refreshTokens) if (expiresAt <= now) this.refreshTokens.delete(tokenId);
  }
}
