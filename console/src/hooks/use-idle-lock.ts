import { useEffect, useRef, useState } from 'react';

const ACTIVITY_EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'focus'] as const;

/**
 * Calls onIdle after `timeoutMs` without keyboard, mouse or touch input. Returns true during the
 * last `warnMs` (to warn the operator). Measured against the wall clock, so a laptop waking from
 * sleep locks at once rather than after another full period.
 */
export function useIdleLock(timeoutMs: number, warnMs: number, onIdle: () => void): boolean {
  const last = useRef(Date.now());
  const onIdleRef = useRef(onIdle);
  onIdleRef.current = onIdle;
  const [warning, setWarning] = useState(false);

  useEffect(() => {
    const mark = () => {
      last.current = Date.now();
    };
    for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, mark, { capture: true, passive: true });
    let fired = false;
    const timer = window.setInterval(() => {
      const left = timeoutMs - (Date.now() - last.current);
      if (left <= 0) {
        if (!fired) {
          fired = true;
          onIdleRef.current();
        }
        return;
      }
      setWarning(left <= warnMs);
    }, 1000);
    return () => {
      window.clearInterval(timer);
      for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, mark, { capture: true });
    };
  }, [timeoutMs, warnMs]);

  return warning;
}
