// The two kinds of callbacks the streaming sessions hand out: an event that happens once (a
// session closing: a late listener is called at once) and a stream of values that may start
// before anyone listens (forwarded connections: the first listener gets those that came early).

export class Once {
  private readonly listeners: (() => void)[] = [];
  private fired = false;
  add(listener: () => void): void { if (this.fired) listener(); else this.listeners.push(listener); }
  fire(): void { if (this.fired) return; this.fired = true; for (const l of this.listeners.splice(0)) l(); }
}

export class Listeners<T> {
  private readonly listeners: ((value: T) => void)[] = [];
  private readonly pending: T[] = [];
  add(listener: (value: T) => void): void {
    this.listeners.push(listener);
    for (const v of this.pending.splice(0)) listener(v);
  }
  emit(value: T): void {
    if (!this.listeners.length) this.pending.push(value);
    for (const l of this.listeners) l(value);
  }
}
