// A countdown that trusts the server, not the device clock: the server sends the
// remaining milliseconds and we count down from the moment we received them.
import { el } from "./live.js";

export class Countdown {
  constructor(element) {
    this.element = element;
    this.timer = null;
    this.receivedAt = 0;
    this.tick = this.tick.bind(this);
    setInterval(this.tick, 250);
  }

  set(timer) {
    this.timer = timer;
    this.receivedAt = performance.now();
    this.tick();
  }

  remainingMs() {
    if (!this.timer) return null;
    const elapsed = this.timer.running ? performance.now() - this.receivedAt : 0;
    return Math.max(0, this.timer.remaining_ms - elapsed);
  }

  tick() {
    if (!this.element) return;
    const ms = this.remainingMs();
    this.element.hidden = ms === null;
    if (ms === null) return;
    const seconds = Math.ceil(ms / 1000);
    const text = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    if (this.element.textContent !== text) this.element.textContent = text;
    this.element.classList.toggle("paused", !this.timer.running);
    this.element.classList.toggle("ending", this.timer.running && seconds <= 30);
    this.element.classList.toggle("done", seconds === 0);
  }
}

export { el };
