// The script being composed: an ordered list of blocks, each with its text, provider, voice,
// pause and Arabic switch; pickers filled from the discovery routes; reordering by buttons and
// by keyboard (Alt+ArrowUp / Alt+ArrowDown); validation errors shown on the block and field the
// API names.
import { api, apiBlob } from "./api.js";

const FIELD_OF_ERROR = { text: "text", provider: "provider", voice: "voice",
                         wait_after_ms: "pause", arabic: "arabic" };
const SPOKEN_CHARS_PER_SECOND = 15;  // a rough reading speed, for the estimate only
const PREVIEW_CHARS = 300;           // what POST /tts/preview accepts
const PREVIEW_SAMPLE = "This is how this voice sounds.";

export class Composer {
  constructor(list, template, totals) {
    this.list = list;
    this.template = template;
    this.totals = totals;
    this.blocks = [];
    this.nextId = 1;
    this.providers = [];      // [{name, available, reason}]
    this.voices = new Map();  // provider -> Promise of [{name, voice_id, language}]
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

  add(fields = {}) {
    const block = { id: this.nextId++, text: "", provider: this.defaultProvider(),
                    voice: "default", pause: 0, arabic: false, ...fields };
    this.blocks.push(block);
    this.render();
    return block;
  }

  move(index, delta) {
    const target = index + delta;
    if (target < 0 || target >= this.blocks.length) return;
    const [block] = this.blocks.splice(index, 1);
    this.blocks.splice(target, 0, block);
    this.render();
    this.focusBlock(block.id, ".text");
  }

  remove(index) {
    this.blocks.splice(index, 1);
    this.render();
  }

  focusBlock(id, selector) {
    const item = this.list.querySelector(`[data-block-id="${id}"]`);
    if (item) item.querySelector(selector).focus();
  }

  // Replaces the script with the blocks of a job as POST /tts takes it (an exported script);
  // throws an Error naming what is wrong.
  load(job) {
    if (!job || !Array.isArray(job.blocks) || job.blocks.length === 0) {
      throw new Error("not a job: it has no blocks");
    }
    this.blocks = job.blocks.map((b, i) => {
      if (typeof b.text !== "string") throw new Error(`blocks[${i}].text: is not text`);
      return { id: this.nextId++, text: b.text, provider: b.provider || this.defaultProvider(),
               voice: b.voice || "default", pause: Number(b.wait_after_ms) || 0,
               arabic: b.arabic === true };
    });
    this.render();
  }

  // The job as POST /tts takes it.
  job(outputFormat) {
    return {
      output_format: outputFormat,
      blocks: this.blocks.map((b) => ({ text: b.text, provider: b.provider, voice: b.voice,
                                        wait_after_ms: Number(b.pause) || 0,
                                        arabic: b.arabic })),
    };
  }

  updateTotals() {
    const chars = this.blocks.reduce((n, b) => n + [...b.text].length, 0);
    const pauseMs = this.blocks.reduce((n, b) => n + (Number(b.pause) || 0), 0);
    const seconds = Math.round(chars / SPOKEN_CHARS_PER_SECOND + pauseMs / 1000);
    this.totals.textContent = `${this.blocks.length} blocks, ${chars} characters, ` +
                              `about ${seconds} s of audio`;
  }

  clearErrors() {
    for (const p of this.list.querySelectorAll(".field-error")) p.textContent = "";
    for (const el of this.list.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
    }
  }

  // Shows an API error on the block and field it names ("blocks[2].text"); false when it names
  // no block.
  showError(error) {
    const match = /^blocks\[(\d+)\](?:\.(\w+))?/.exec(error.field || "");
    if (!match) return false;
    const item = this.list.children[Number(match[1])];
    if (!item) return false;
    const field = FIELD_OF_ERROR[match[2]] || "other";
    const slot = field === "text" ? "text" : "other";
    item.querySelector(`.field-error[data-field="${slot}"]`).textContent =
        `${error.field}: ${error.message}`;
    const input = field === "other" ? null : item.querySelector("." + field);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    return true;
  }

  render() {
    const items = this.blocks.map((block, index) => this.renderBlock(block, index));
    this.list.replaceChildren(...items);
    this.updateTotals();
  }

  renderBlock(block, index) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    item.dataset.blockId = block.id;
    const prefix = `block-${block.id}-`;
    for (const label of item.querySelectorAll("label[data-for]")) {
      label.htmlFor = prefix + label.dataset.for;
      item.querySelector("." + label.dataset.for).id = prefix + label.dataset.for;
    }
    item.querySelector(".block-number").textContent = `Block ${index + 1}`;
    const text = item.querySelector(".text");
    text.value = block.text;
    text.lang = block.arabic ? "ar" : "";
    text.addEventListener("input", () => {
      block.text = text.value;
      this.updateTotals();
    });
    const pause = item.querySelector(".pause");
    pause.value = block.pause;
    pause.addEventListener("input", () => {
      block.pause = pause.value;
      this.updateTotals();
    });
    const arabic = item.querySelector(".arabic");
    arabic.checked = block.arabic;
    arabic.addEventListener("change", () => {
      block.arabic = arabic.checked;
      text.lang = block.arabic ? "ar" : "";
    });
    this.fillProviders(item.querySelector(".provider"), item.querySelector(".voice"), block);
    const up = item.querySelector(".move-up");
    const down = item.querySelector(".move-down");
    const remove = item.querySelector(".remove");
    const preview = item.querySelector(".preview");
    preview.setAttribute("aria-label", `Preview voice of block ${index + 1}`);
    preview.addEventListener("click", () => this.preview(block, item, preview));
    up.disabled = index === 0;
    down.disabled = index === this.blocks.length - 1;
    remove.disabled = this.blocks.length === 1;
    for (const [button, what] of [[up, "up"], [down, "down"], [remove, ""]]) {
      button.setAttribute("aria-label", what ? `Move block ${index + 1} ${what}`
                                             : `Delete block ${index + 1}`);
    }
    up.addEventListener("click", () => this.move(this.blocks.indexOf(block), -1));
    down.addEventListener("click", () => this.move(this.blocks.indexOf(block), 1));
    remove.addEventListener("click", () => this.remove(this.blocks.indexOf(block)));
    item.addEventListener("keydown", (event) => {
      if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      event.preventDefault();
      this.move(this.blocks.indexOf(block), event.key === "ArrowUp" ? -1 : 1);
    });
    return item;
  }

  // Plays the block's voice on the start of its text (POST /tts/preview: a short job of its own).
  async preview(block, item, button) {
    const slot = item.querySelector('.field-error[data-field="other"]');
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

  fillProviders(providerSelect, voiceSelect, block) {
    for (const p of this.providers) {
      const option = new Option(p.available ? p.name : `${p.name} (unavailable: ${p.reason})`,
                                p.name);
      option.disabled = !p.available;
      providerSelect.add(option);
    }
    providerSelect.value = block.provider;
    providerSelect.addEventListener("change", () => {
      block.provider = providerSelect.value;
      block.voice = "default";
      this.fillVoices(voiceSelect, block);
    });
    voiceSelect.addEventListener("change", () => {
      block.voice = voiceSelect.value;
    });
    this.fillVoices(voiceSelect, block);
  }

  async fillVoices(voiceSelect, block) {
    voiceSelect.replaceChildren(new Option("default", "default"));
    voiceSelect.value = block.voice;
    const provider = block.provider;
    const voices = await this.voicesOf(provider);
    if (block.provider !== provider) return;
    for (const v of voices) {
      const id = v.voice_id || v.name;
      const label = v.language ? `${v.name} (${v.language})` : v.name;
      voiceSelect.add(new Option(label, id));
    }
    if (![...voiceSelect.options].some((o) => o.value === block.voice)) {
      voiceSelect.add(new Option(block.voice, block.voice));
    }
    voiceSelect.value = block.voice;
  }
}
