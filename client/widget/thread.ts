/**
 * The conversation as the widget holds it: messages ordered by seq, deduplicated by id (a message can
 * arrive both live and from a sync), plus drafts of replies still streaming.
 */
import type { MessageCreated } from "../../server/contracts/realtime.js";

export interface Draft {
  id: string;
  text: string;
}

export class Thread {
  private bySeq = new Map<number, MessageCreated>();
  private ids = new Set<string>();
  readonly drafts = new Map<string, Draft>();
  conversationId: string | undefined;

  /** Adds a message; returns false when it was already known. */
  add(m: MessageCreated): boolean {
    if (this.ids.has(m.id)) return false;
    if (this.conversationId && m.conversationId !== this.conversationId) return false;
    this.ids.add(m.id);
    this.bySeq.set(m.seq, m);
    this.drafts.delete(m.id);
    return true;
  }

  /** Appends a streamed piece to the draft with that id (unless its final message already arrived). */
  delta(id: string, piece: string): Draft | undefined {
    if (this.ids.has(id)) return undefined;
    const draft = this.drafts.get(id) ?? { id, text: "" };
    draft.text += piece;
    this.drafts.set(id, draft);
    return draft;
  }

  get lastSeq(): number {
    let max = 0;
    for (const seq of this.bySeq.keys()) max = Math.max(max, seq);
    return max;
  }

  messages(): MessageCreated[] {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  reset(conversationId: string | undefined): void {
    this.bySeq.clear();
    this.ids.clear();
    this.drafts.clear();
    this.conversationId = conversationId;
  }
}
