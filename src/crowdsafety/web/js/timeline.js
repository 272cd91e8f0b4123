// The time slider: 24 hours back to 7 days ahead in quarter-hours; 0 is live. The past shows
// stored states, the future the forecast (when the server has one).
import { el, fmtDateTime } from "./format.js";
import { t } from "./i18n.js";

const STEP_MS = 15 * 60e3;
const BACK = 24 * 4; // quarter-hours
const AHEAD = 7 * 24 * 4;
const DEBOUNCE_MS = 200;

export class Timeline {
  /** ``opts``: {anchor (ms, the latest interval), future (forecast available), onChange()}. */
  constructor(root, opts) {
    this.root = root;
    this.anchor = opts.anchor;
    this.future = opts.future;
    this.onChange = opts.onChange;
    this.input = root.querySelector("input[type=range]");
    this.input.min = String(-BACK);
    this.input.max = String(this.future ? AHEAD : 0);
    this.input.step = "1";
    this.input.value = "0";
    this.label = root.querySelector(".time-label");
    this.mode = root.querySelector(".time-mode");
    this.note = root.querySelector(".time-note");
    this.ticks = root.querySelector(".time-ticks");
    this.timer = null;
    this.input.addEventListener("input", () => {
      this.show();
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onChange(), DEBOUNCE_MS);
    });
    root.querySelector(".time-now").addEventListener("click", () => {
      this.input.value = "0";
      this.show();
      this.onChange();
    });
    this.relabel();
  }

  /** The chosen time (ms), or null when live. */
  cursor() {
    const steps = Number(this.input.value);
    return steps === 0 ? null : this.anchor + steps * STEP_MS;
  }

  isLive() { return Number(this.input.value) === 0; }

  setAnchor(anchor) {
    if (this.isLive()) this.anchor = anchor;
    this.show();
  }

  relabel() {
    this.ticks.replaceChildren();
    const span = (this.future ? AHEAD : 0) + BACK;
    const marks = [[-BACK, "−24 h"], [0, t("now")]];
    if (this.future) for (let d = 1; d <= 7; d += 1) marks.push([d * 96, `+${d} d`]);
    for (const [at, text] of marks) {
      const tick = el("span", "time-tick", text);
      tick.style.left = `${((at + BACK) / span) * 100}%`;
      this.ticks.append(tick);
    }
    this.note.textContent = this.future ? "" : `${t("forecast")}: ${t("not_available")}`;
    this.show();
  }

  show() {
    const steps = Number(this.input.value);
    const at = this.anchor + steps * STEP_MS;
    const mode = steps === 0 ? "live" : steps < 0 ? "history" : "forecast";
    this.root.dataset.mode = mode;
    this.mode.textContent = t(mode);
    this.label.textContent = fmtDateTime(at);
    this.input.setAttribute("aria-valuetext", `${t(mode)} ${fmtDateTime(at)}`);
  }
}
