import { useEffect, useRef } from 'react';

/**
 * Single keys ("j", "c", "?") and two-key sequences ("g q"). Nothing fires while the operator is
 * typing in a field, holds a modifier, or has a dialog open: a stray "c" must never claim a case.
 */
export type ShortcutMap = Record<string, (() => void) | undefined>;

const SEQUENCE_TIMEOUT_MS = 1200;

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  const role = target.getAttribute('role');
  return role === 'textbox' || role === 'combobox' || role === 'listbox';
}

/** Enter on a focused link or button belongs to that control, not to a shortcut. */
function isActivatable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || target === document.body) return false;
  return (
    target.closest('a, button, summary, [role="button"], [role="tab"], [role="radio"], [role="link"]') !==
    null
  );
}

function isDialogOpen(): boolean {
  return document.querySelector('[aria-modal="true"]') !== null;
}

export function useShortcuts(bindings: ShortcutMap, enabled = true): void {
  const ref = useRef(bindings);
  ref.current = bindings;

  useEffect(() => {
    if (!enabled) return;
    let pending: string | null = null;
    let pendingAt = 0;

    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTypingTarget(e.target) || isDialogOpen()) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (key === 'Enter' && isActivatable(e.target)) return;
      const map = ref.current;
      if (pending && Date.now() - pendingAt < SEQUENCE_TIMEOUT_MS) {
        const seq = map[`${pending} ${key}`];
        pending = null;
        if (seq) {
          e.preventDefault();
          seq();
          return;
        }
      }
      pending = null;
      const single = map[key];
      if (single) {
        e.preventDefault();
        single();
        return;
      }
      if (Object.keys(map).some((k) => k.startsWith(`${key} `))) {
        pending = key;
        pendingAt = Date.now();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
