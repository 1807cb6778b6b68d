// Lanes: how bars of processes share rows without overlapping, the rule behind the viewer's
// timeline (web/model.ts). (`supervise decode --format trace` gives each process a track of
// its own instead: codec/trace.ts.) No Node API.
//
// A bar goes to the lane whose last bar ended first, if that bar ended before this one
// starts; otherwise to a new lane. Fed in order of start (the viewer), this uses as many
// lanes as bars overlap at the busiest instant; fed in any other order, the lanes are
// still free of overlaps, only perhaps more of them.

/** Assigns lanes to bars, one take() per bar. */
export class Lanes {
  /** How many lanes the bars so far take. */
  count = 0;
  // A binary min-heap of lanes by the end of their last bar, in two typed arrays.
  private ends = new Float64Array(64);
  private ids = new Int32Array(64);
  private size = 0;

  /** The lane of a bar from `start` to `end` (any unit, end >= start). */
  take(start: number, end: number): number {
    if (this.size > 0 && this.ends[0] < start) {
      const lane = this.ids[0];
      this.replaceTop(end, lane);
      return lane;
    }
    this.push(end, this.count);
    return this.count++;
  }

  private push(end: number, lane: number): void {
    if (this.size === this.ends.length) {
      const e = new Float64Array(this.size * 2);
      e.set(this.ends);
      this.ends = e;
      const l = new Int32Array(this.size * 2);
      l.set(this.ids);
      this.ids = l;
    }
    let i = this.size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (this.ends[up] <= end) break;
      this.ends[i] = this.ends[up];
      this.ids[i] = this.ids[up];
      i = up;
    }
    this.ends[i] = end;
    this.ids[i] = lane;
  }

  /** The top lane now ends at `end`: sift it down to its place. */
  private replaceTop(end: number, lane: number): void {
    const n = this.size;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.ends[c + 1] < this.ends[c]) c++;
      if (this.ends[c] >= end) break;
      this.ends[i] = this.ends[c];
      this.ids[i] = this.ids[c];
      i = c;
    }
    this.ends[i] = end;
    this.ids[i] = lane;
  }
}
