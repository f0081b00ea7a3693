// The script being composed: an ordered list of blocks, each with its text, provider, voice,
// pause, Arabic switch (with a preview of the diacritized text) and fallback voices; pickers
// filled from the discovery routes; add, duplicate, delete; reorder by buttons, by keyboard
// (Alt+ArrowUp / Alt+ArrowDown) and by dragging a block's handle; validation errors shown on the
// block and field the API names. A long script is virtualized: only the blocks near the viewport
// are in the DOM (between two spacers as tall as the blocks left out), so that a 1,000-block
// script stays responsive.
import { api, apiBlob } from "./api.js";
import { BlockView } from "./block_view.js";

const SPOKEN_CHARS_PER_SECOND = 15;  // a rough reading speed, for the estimate only
const PREVIEW_CHARS = 300;           // what POST /tts/preview accepts
const PREVIEW_SAMPLE = "This is how this voice sounds.";
const VIRTUAL_AFTER = 40;            // blocks: a shorter script is in the DOM whole
const FIRST_ESTIMATE = 300;          // px of a block before any was measured
const BLOCK_GAP = 12;                // px below each block (.block's margin-bottom: .75rem)
const OVERSCAN_PX = 900;             // rendered beyond the viewport, above and below

export class Composer {
  constructor(list, template, totals) {
    this.list = list;
    this.totals = totals;
    this.blocks = [];
    // Fields of an imported job the composer has no control for (project_id, profile,
    // cover_url, sample_rate, ...): sent and exported as they came.
    this.jobFields = {};
    this.nextId = 1;
    this.providers = [];      // [{name, available, reason}]
    this.voices = new Map();  // provider -> Promise of [{name, voice_id, language}]
    this.views = new Map();   // block id -> its BlockView while it is in the DOM
    this.heights = new Map(); // block id -> measured height in px (its margin included)
    this.measured = { count: 0, total: 0 };  // of every block's first measurement
    this.dragging = null;     // the block being dragged
    this.template = template;
    this.top = spacer();
    this.bottom = spacer();
    this.scheduled = false;
    window.addEventListener("scroll", () => this.schedule(), { passive: true });
    window.addEventListener("resize", () => this.schedule());
  }

  // Loads the providers (the first discovery call); resolves once the pickers can be filled.
  async loadProviders() {
    this.providers = await api("GET", "/tts/providers?verbose=true");
  }

  defaultProvider() {
    const usable = this.providers.find((p) => p.available);
    return usable ? usable.name : "espeak";
  }

  voicesOf(provider) {
    if (!this.voices.has(provider)) {
      const loading = api("GET", "/tts/voices/" + encodeURIComponent(provider)).catch(() => []);
      this.voices.set(provider, loading);
    }
    return this.voices.get(provider);
  }

  newBlock(fields = {}) {
    return { id: this.nextId++, text: "", provider: this.defaultProvider(), voice: "default",
             pause: 0, arabic: false, fallback: [], errors: null, diacritized: null,
             fields: {},  // an imported block's fields without a control (speed, chapter, ...)
             ...fields };
  }

  add(fields = {}) {
    const block = this.newBlock(fields);
    this.blocks.push(block);
    this.render();
    return block;
  }

  duplicate(block) {
    const copy = this.newBlock({ text: block.text, provider: block.provider, voice: block.voice,
                                 pause: block.pause, arabic: block.arabic,
                                 fallback: block.fallback.map((f) => ({ ...f })),
                                 fields: { ...block.fields } });
    this.blocks.splice(this.blocks.indexOf(block) + 1, 0, copy);
    this.render();
    this.focusBlock(copy.id, ".text");
  }

  // Moves the block at `from` to index `to` (of the script as it is after taking it out).
  moveTo(from, to) {
    if (from < 0 || to < 0 || to >= this.blocks.length || from === to) return;
    const [block] = this.blocks.splice(from, 1);
    this.blocks.splice(to, 0, block);
    this.render();
    this.focusBlock(block.id, ".text");
  }

  move(index, delta) {
    this.moveTo(index, index + delta);
  }

  remove(index) {
    const [block] = this.blocks.splice(index, 1);
    this.forget(block);
    this.render();
  }

  // Focuses `selector` in block `id`, bringing the block into view (and into the DOM) first.
  focusBlock(id, selector) {
    const index = this.blocks.findIndex((b) => b.id === id);
    if (index < 0) return;
    this.reveal(index);
    const view = this.views.get(id);
    if (view) view.item.querySelector(selector).focus({ preventScroll: false });
  }

  // Replaces the script with the blocks of a job as POST /tts takes it (an exported script);
  // throws an Error naming what is wrong. Fields the composer has no control for are kept and
  // sent back as they came (the server judges them), so that nothing imported is lost.
  load(job) {
    if (!job || !Array.isArray(job.blocks) || job.blocks.length === 0) {
      throw new Error("not a job: it has no blocks");
    }
    const blocks = job.blocks.map((b, i) => {
      if (!b || typeof b.text !== "string") throw new Error(`blocks[${i}].text: is not text`);
      const fallback = Array.isArray(b.fallback) ? b.fallback : [];
      const { text, provider, voice, wait_after_ms, arabic, fallback: _, ...fields } = b;
      return this.newBlock({
        fields,
        text: b.text, provider: b.provider || this.defaultProvider(),
        voice: b.voice || "default", pause: Number(b.wait_after_ms) || 0,
        arabic: b.arabic === true,
        fallback: fallback.map((f, j) => {
          if (!f || typeof f.provider !== "string") {
            throw new Error(`blocks[${i}].fallback[${j}].provider: is not a provider`);
          }
          return { provider: f.provider, voice: typeof f.voice === "string" ? f.voice : "default" };
        }),
      });
    });
    const { blocks: _, output_format, ...jobFields } = job;
    for (const block of this.blocks) this.forget(block);
    this.blocks = blocks;
    this.jobFields = jobFields;
    this.render();
  }

  // Empties the script (another user signs in next; the composer then starts a block).
  clear() {
    for (const block of this.blocks) this.forget(block);
    this.blocks = [];
    this.jobFields = {};
    this.render();
  }

  // The job as POST /tts takes it.
  job(outputFormat) {
    return {
      ...this.jobFields,
      output_format: outputFormat,
      blocks: this.blocks.map((b) => {
        const block = { ...b.fields, text: b.text, provider: b.provider, voice: b.voice,
                        wait_after_ms: Number(b.pause) || 0, arabic: b.arabic };
        if (b.fallback.length > 0) {
          block.fallback = b.fallback.map((f) => ({ provider: f.provider, voice: f.voice }));
        }
        return block;
      }),
    };
  }

  updateTotals() {
    let chars = 0;
    let pauseMs = 0;
    for (const b of this.blocks) {
      chars += [...b.text].length;
      pauseMs += Number(b.pause) || 0;
    }
    const seconds = Math.round(chars / SPOKEN_CHARS_PER_SECOND + pauseMs / 1000);
    this.totals.textContent = `${this.blocks.length} blocks, ${chars} characters, ` +
                              `about ${seconds} s of audio`;
  }

  clearErrors() {
    for (const block of this.blocks) block.errors = null;
    for (const view of this.views.values()) view.showErrors();
  }

  // Shows an API error on the block and field it names ("blocks[2].text"); false when it names
  // no block.
  showError(error) {
    const match = /^blocks\[(\d+)\](?:\.(\w+))?/.exec(error.field || "");
    if (!match) return false;
    const index = Number(match[1]);
    const block = this.blocks[index];
    if (!block) return false;
    block.errors = { field: match[2] || "", message: `${error.field}: ${error.message}` };
    this.reveal(index);
    const view = this.views.get(block.id);
    if (view) view.showErrors(true);
    return true;
  }

  // --- virtualization --------------------------------------------------------------------
  schedule() {
    if (this.scheduled || this.blocks.length <= VIRTUAL_AFTER) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.renderWindow();
    });
  }

  render() {
    this.renderWindow();
    this.updateTotals();
  }

  // Drops what is kept of a block that left the script.
  forget(block) {
    this.views.delete(block.id);
    this.heights.delete(block.id);
  }

  // A block's height as last measured, else the average of the blocks measured so far: close
  // enough that a jump far into the script renders the right blocks the first time.
  heightOf(block) {
    return this.heights.get(block.id) ||
           (this.measured.count ? this.measured.total / this.measured.count : FIRST_ESTIMATE);
  }

  // Scrolls so that block `index` is in the viewport, and renders the window around it.
  reveal(index) {
    if (this.blocks.length > VIRTUAL_AFTER) {
      let y = 0;
      for (let i = 0; i < index; i++) y += this.heightOf(this.blocks[i]);
      const listTop = this.list.getBoundingClientRect().top + window.scrollY;
      const blockTop = listTop + y;
      const blockBottom = blockTop + this.heightOf(this.blocks[index]);
      if (blockTop < window.scrollY || blockBottom > window.scrollY + window.innerHeight) {
        window.scrollTo(0, Math.max(0, blockTop - 80));
      }
    }
    this.renderWindow();
  }

  // The blocks [start, end) to have in the DOM for the current scroll position.
  windowRange() {
    const n = this.blocks.length;
    if (n <= VIRTUAL_AFTER) return [0, n];
    const listTop = this.list.getBoundingClientRect().top + window.scrollY;
    const from = window.scrollY - listTop - OVERSCAN_PX;
    const to = window.scrollY - listTop + window.innerHeight + OVERSCAN_PX;
    let start = -1;
    let y = 0;
    for (let i = 0; i < n; i++) {
      const h = this.heightOf(this.blocks[i]);
      if (start < 0 && y + h > from) start = i;
      if (y >= to) return [Math.max(0, start), Math.max(i, start + 1)];
      y += h;
    }
    return [start < 0 ? n - 1 : start, n];
  }

  renderWindow() {
    const n = this.blocks.length;
    const [start, end] = this.windowRange();
    const wanted = [];
    const kept = new Map();
    for (let i = start; i < end; i++) {
      const block = this.blocks[i];
      let view = this.views.get(block.id);
      if (!view) view = new BlockView(this, block);
      view.setIndex(i, n);
      kept.set(block.id, view);
      wanted.push(view.item);
    }
    this.views = kept;
    // Nodes already in place are not touched (a focused field keeps its focus and caret).
    const wantedSet = new Set(wanted);
    for (const child of [...this.list.children]) {
      if (child !== this.top && child !== this.bottom && !wantedSet.has(child)) child.remove();
    }
    if (this.top.parentNode !== this.list) this.list.prepend(this.top);
    if (this.bottom.parentNode !== this.list) this.list.append(this.bottom);
    let cursor = this.top.nextSibling;
    for (const item of wanted) {
      if (item === cursor) cursor = cursor.nextSibling;
      else this.list.insertBefore(item, cursor);
    }
    for (let i = start; i < end; i++) {
      const height = wanted[i - start].offsetHeight + BLOCK_GAP;
      // Only a block's first measurement moves the estimate (and the spacers with it): the
      // same blocks measured again leave the page as it is, so no scroll event follows.
      if (!this.heights.has(this.blocks[i].id)) {
        this.measured.count += 1;
        this.measured.total += height;
      }
      this.heights.set(this.blocks[i].id, height);
    }
    let above = 0;
    let below = 0;
    for (let i = 0; i < start; i++) above += this.heightOf(this.blocks[i]);
    for (let i = end; i < n; i++) below += this.heightOf(this.blocks[i]);
    this.top.style.height = `${above}px`;
    this.bottom.style.height = `${below}px`;
    this.top.hidden = above === 0;
    this.bottom.hidden = below === 0;
  }

  // --- actions of a block ---------------------------------------------------------------
  // Plays the block's voice on the start of its text (POST /tts/preview: a short job of its own).
  async preview(block, slot, button) {
    slot.textContent = "";
    button.disabled = true;
    try {
      const text = [...(block.text.trim() || PREVIEW_SAMPLE)].slice(0, PREVIEW_CHARS).join("");
      const audio = await apiBlob("POST", "/tts/preview", { text, provider: block.provider,
                                                             voice: block.voice,
                                                             arabic: block.arabic });
      if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
      this.previewUrl = URL.createObjectURL(audio);
      await new Audio(this.previewUrl).play();
    } catch (error) {
      slot.textContent = `Preview: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }

  // The block's text with its short vowels (POST /diacritize), kept on the block until its
  // text changes.
  async diacritize(block) {
    const answer = await api("POST", "/diacritize", { text: block.text });
    block.diacritized = answer.text;
    return answer.text;
  }

  // Drag and drop: `target` is the block the dragged one was dropped on, `after` whether in
  // its lower half.
  dropOn(target, after) {
    const dragged = this.dragging;
    this.dragging = null;
    if (!dragged || dragged === target) return;
    const from = this.blocks.indexOf(dragged);
    let to = this.blocks.indexOf(target) + (after ? 1 : 0);
    if (from < to) to -= 1;
    this.moveTo(from, to);
  }
}

function spacer() {
  const item = document.createElement("li");
  item.className = "spacer";
  item.setAttribute("aria-hidden", "true");
  item.hidden = true;
  return item;
}
