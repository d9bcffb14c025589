// Work left for later: the text's blocks out of view and the heatmap of a long text, done in
// background tasks so that input and frames go first. The text box carries aria-busy until
// nothing is left.

// A task does work until it has run this long (about a frame), then yields to input and
// rendering. Longer slices mean fewer relayouts of the whole paragraph in all.
const SLICE_MS = 16;

/**
 * Background tasks for one view. active(): there is something to draw at all; pending(): work
 * is left; run(hasTime): does some of it, while hasTime() says the slice is not over.
 * busyEl gets aria-busy while work is left.
 */
export class Background {
  constructor(win, scope, busyEl, { active, pending, run }) {
    this.win = win;
    this.scope = scope;
    this.busyEl = busyEl;
    this.active = active;
    this.pending = pending;
    this.run = run;
    this.busy = false;
    this.closed = false;
    // A MessageChannel task, not setTimeout(0), which is clamped to 4 ms when nested.
    this.channel = new win.MessageChannel();
    this.queued = false;
    this.channel.port1.onmessage = () => {
      if (!this.queued) return; // a second wake-up of the same request
      this.queued = false;
      this.work();
    };
    this.post = () => this.channel.port2.postMessage(0);
  }

  setBusy(b) {
    if (b === this.busy) return;
    this.busy = b;
    if (b) this.busyEl.setAttribute("aria-busy", "true");
    else this.busyEl.removeAttribute("aria-busy");
  }

  // afterFrame: start once the next frame is out, so that it shows what was just done without
  // waiting for more (rAF callbacks run before that frame; the timeout covers hidden pages,
  // which get no frames).
  schedule(afterFrame = false) {
    const p = !this.closed && this.active() && this.pending();
    this.setBusy(p);
    if (!p || this.queued) return;
    this.queued = true;
    if (afterFrame) {
      this.win.requestAnimationFrame(this.post);
      this.scope.later(this.post, 250);
    } else this.post();
  }

  work() {
    if (this.closed || !this.active()) return;
    const perf = this.win.performance;
    const t0 = perf.now();
    this.run(() => perf.now() - t0 < SLICE_MS);
    this.schedule();
  }

  close() {
    this.closed = true;
    this.channel.port1.close();
  }
}
