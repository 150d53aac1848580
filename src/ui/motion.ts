// Scheduling, seen: a pod's chip glides from the scheduling queue to the node it was bound to
// (FLIP: its place in the queue is read before the DOM changes, its new place after, and the
// Web Animations API plays the difference). Only when few move at once, and never when the
// person asked for reduced motion.

/** More pods than this bound in one frame are simply redrawn: a flock of chips tells nothing. */
export const MAX_MOVING = 12;
const DURATION_MS = 450;

const reduced = matchMedia('(prefers-reduced-motion: reduce)');

export function motionAllowed(): boolean {
  return !reduced.matches;
}

/** Plays each chip's move from where it was (`from`, read before the change) to where it is now. */
export function playMoves(moves: { chip: HTMLElement; from: DOMRect }[]): void {
  // All reads first, then all writes: one layout for the lot.
  const plays = moves.filter((m) => m.chip.isConnected).map((m) => ({ ...m, to: m.chip.getBoundingClientRect() }));
  for (const { chip, from, to } of plays) {
    const dx = from.left - to.left;
    const dy = from.top - to.top;
    if (!dx && !dy) continue;
    chip.classList.add('moving');
    const animation = chip.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: 'none' }], { duration: DURATION_MS, easing: 'cubic-bezier(.2, .7, .3, 1)' });
    animation.onfinish = animation.oncancel = () => chip.classList.remove('moving');
  }
}
