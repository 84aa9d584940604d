/**
 * Half-typed replies and notes, kept in this page's memory only (never in localStorage or
 * sessionStorage), so that the idle lock or an expired session does not throw them away: the same
 * operator logs in again and finds the text where it was. A different operator logging in on this
 * page, or a deliberate logout, clears them: a draft may quote what the requester wrote.
 */
let owner: string | null = null;
const drafts = new Map<string, string>();

function keyOf(requestId: string, kind: 'reply' | 'note'): string {
  return `${kind}:${requestId}`;
}

export function readDraft(requestId: string, kind: 'reply' | 'note'): string {
  return drafts.get(keyOf(requestId, kind)) ?? '';
}

export function writeDraft(requestId: string, kind: 'reply' | 'note', text: string): void {
  if (text) drafts.set(keyOf(requestId, kind), text);
  else drafts.delete(keyOf(requestId, kind));
}

/** Called at every login: drafts belong to the operator who typed them. */
export function claimDrafts(userId: string): void {
  if (owner !== userId) drafts.clear();
  owner = userId;
}

export function clearDrafts(): void {
  drafts.clear();
  owner = null;
}
