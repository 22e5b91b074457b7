/** The only place Socket.IO room names are built (STYLE.md §7). */
export const rooms = {
  /** Every socket of every session linked to the conversation. */
  conversation: (conversationId: string) => `conversation:${conversationId}`,
  /** Every socket of one session (tabs share a session only when they share sessionStorage). */
  session: (sessionRef: number) => `session:${sessionRef}`,
  /** Every socket verified as the user: a suggestion for one of the user's sessions reaches all of them. */
  user: (productId: string, userId: string) => `user:${productId}:${userId}`,
  /** Verified sockets that named no session: they follow their user's activity (PROTOCOL.md §3.3). */
  follower: (productId: string, userId: string) => `follow:${productId}:${userId}`,
} as const;
