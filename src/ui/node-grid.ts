// Compact node boxes for clusters of hundreds or thousands of nodes, virtualized: the grid keeps
// the names in order and only the rows in or near the viewport have elements (a screen above and
// below), placed absolutely in a container as tall as all the rows. Scrolling or resizing redraws
// once an animation frame; a box scrolled away is dropped and made again when it comes back.

/** A cell's least width and its height, in CSS pixels; the columns stretch to fill the width. */
const CELL_MIN_WIDTH = 120;
const CELL_HEIGHT = 84;
const GAP = 5;

export class NodeGrid {
  private names: readonly string[] = [];
  private readonly shown = new Map<string, HTMLElement>();
  private enabled = false;
  private frame = 0;
  private readonly schedule = () => { if (this.enabled) this.frame ||= requestAnimationFrame(() => this.render()); };
  private readonly resized = new ResizeObserver(this.schedule);

  /** `create` makes a node's box; `dropped` is told when it leaves the document. */
  constructor(private readonly el: HTMLElement, private readonly create: (name: string) => HTMLElement, private readonly dropped: (name: string) => void) {}

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.el.classList.add('compact');
    this.el.style.setProperty('--cell-height', `${CELL_HEIGHT}px`);
    window.addEventListener('scroll', this.schedule, { passive: true });
    window.addEventListener('resize', this.schedule);
    this.resized.observe(this.el);
    this.schedule();
  }

  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    window.removeEventListener('scroll', this.schedule);
    window.removeEventListener('resize', this.schedule);
    this.resized.disconnect();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    for (const [name, box] of this.shown) { box.remove(); this.dropped(name); }
    this.shown.clear();
    this.el.classList.remove('compact');
    this.el.style.height = '';
  }

  /** The nodes' names in the order drawn. */
  setOrder(names: readonly string[]): void {
    this.names = names;
    this.schedule();
  }

  /** Scrolls `name`'s box into view and answers it (undefined for an unknown node). */
  reveal(name: string): HTMLElement | undefined {
    const at = this.names.indexOf(name);
    if (at < 0) return undefined;
    const { columns } = this.columns();
    const y = Math.floor(at / columns) * (CELL_HEIGHT + GAP);
    window.scrollTo({ top: window.scrollY + this.el.getBoundingClientRect().top + y - window.innerHeight / 3 });
    this.render();
    return this.shown.get(name);
  }

  private columns(): { columns: number; width: number } {
    const total = this.el.clientWidth;
    const columns = Math.max(1, Math.floor((total + GAP) / (CELL_MIN_WIDTH + GAP)));
    return { columns, width: (total - (columns - 1) * GAP) / columns };
  }

  private render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    // A hidden view has no width: it is drawn when shown (the ResizeObserver says so).
    if (!this.enabled || this.el.clientWidth === 0) return;
    const { columns, width } = this.columns();
    const rowHeight = CELL_HEIGHT + GAP;
    const rows = Math.ceil(this.names.length / columns);
    this.el.style.height = `${Math.max(0, rows * rowHeight - GAP)}px`;
    const top = this.el.getBoundingClientRect().top;
    const screen = window.innerHeight;
    const first = Math.max(0, Math.floor((-top - screen) / rowHeight));
    const last = Math.min(rows - 1, Math.floor((-top + 2 * screen) / rowHeight));
    const start = first * columns;
    const end = Math.min(this.names.length, (last + 1) * columns);
    const wanted = new Set(this.names.slice(start, end));
    for (const [name, box] of this.shown) {
      if (!wanted.has(name)) { box.remove(); this.shown.delete(name); this.dropped(name); }
    }
    const cellWidth = `${width}px`;
    for (let i = start; i < end; i++) {
      const name = this.names[i];
      let box = this.shown.get(name);
      if (!box) {
        box = this.create(name);
        this.shown.set(name, box);
        this.el.append(box);
      }
      const transform = `translate(${(i % columns) * (width + GAP)}px, ${Math.floor(i / columns) * rowHeight}px)`;
      if (box.style.transform !== transform) box.style.transform = transform;
      if (box.style.width !== cellWidth) box.style.width = cellWidth;
    }
  }
}
