// One block of the script on screen: its fields bound to the block's state (the Composer owns
// the order and the list), its buttons, its drag handle and its errors. Built when the block
// comes into the DOM, dropped when it leaves (compose.js virtualizes long scripts), so all it
// shows is drawn from the block's state.

// The API's name of a block's field -> the class of the input that shows its error.
const INPUT_OF_FIELD = { text: "text", provider: "provider", voice: "voice",
                         wait_after_ms: "pause", arabic: "arabic" };

export class BlockView {
  constructor(composer, block) {
    this.composer = composer;
    this.block = block;
    const item = composer.template.content.firstElementChild.cloneNode(true);
    this.item = item;
    item.dataset.blockId = block.id;
    const prefix = `block-${block.id}-`;
    for (const label of item.querySelectorAll("label[data-for]")) {
      label.htmlFor = prefix + label.dataset.for;
      this.$(label.dataset.for).id = prefix + label.dataset.for;
    }
    this.bindText();
    this.bindSettings();
    this.bindButtons();
    this.bindDrag();
    this.showErrors();
  }

  $(name) {
    return this.item.querySelector("." + name);
  }

  index() {
    return this.composer.blocks.indexOf(this.block);
  }

  // What depends on the block's place: its number, labels and which moves are possible.
  setIndex(index, count) {
    if (this.shown === `${index}/${count}`) return;
    this.shown = `${index}/${count}`;
    const n = index + 1;
    this.item.setAttribute("aria-posinset", n);
    this.item.setAttribute("aria-setsize", count);
    this.$("block-number").textContent = `Block ${n}`;
    const labels = { "move-up": `Move block ${n} up`, "move-down": `Move block ${n} down`,
                     duplicate: `Duplicate block ${n}`, preview: `Preview voice of block ${n}`,
                     remove: `Delete block ${n}`, "show-diacritics": `Show diacritics of block ${n}`,
                     "add-fallback": `Add fallback to block ${n}` };
    for (const [name, label] of Object.entries(labels)) this.$(name).setAttribute("aria-label", label);
    this.$("move-up").disabled = index === 0;
    this.$("move-down").disabled = index === count - 1;
    this.$("remove").disabled = count === 1;
    this.renderFallbacks();
  }

  bindText() {
    const { block } = this;
    const text = this.$("text");
    text.value = block.text;
    text.lang = block.arabic ? "ar" : "";
    text.addEventListener("input", () => {
      block.text = text.value;
      if (block.diacritized !== null) {
        block.diacritized = null;
        this.showDiacritized();
      }
      this.composer.updateTotals();
    });
    this.item.addEventListener("keydown", (event) => {
      if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      event.preventDefault();
      this.composer.move(this.index(), event.key === "ArrowUp" ? -1 : 1);
    });
  }

  bindSettings() {
    const { block, composer } = this;
    const pause = this.$("pause");
    pause.value = block.pause;
    pause.addEventListener("input", () => {
      block.pause = pause.value;
      composer.updateTotals();
    });
    const arabic = this.$("arabic");
    arabic.checked = block.arabic;
    arabic.addEventListener("change", () => {
      block.arabic = arabic.checked;
      this.$("text").lang = block.arabic ? "ar" : "";
      this.showDiacritized();
    });
    this.$("show-diacritics").addEventListener("click", async () => {
      const slot = this.item.querySelector('.field-error[data-field="other"]');
      slot.textContent = "";
      try {
        await composer.diacritize(block);
      } catch (error) {
        slot.textContent = `Diacritics: ${error.message}`;
      }
      this.showDiacritized();
    });
    this.showDiacritized();
    bindPickers(composer, this.$("provider"), this.$("voice"), block);
  }

  showDiacritized() {
    const { block } = this;
    this.$("show-diacritics").hidden = !block.arabic;
    const out = this.$("diacritized");
    out.hidden = !block.arabic || block.diacritized === null;
    out.textContent = block.diacritized || "";
    this.composer.schedule();
  }

  bindButtons() {
    const { block, composer } = this;
    this.$("move-up").addEventListener("click", () => composer.move(this.index(), -1));
    this.$("move-down").addEventListener("click", () => composer.move(this.index(), 1));
    this.$("duplicate").addEventListener("click", () => composer.duplicate(block));
    this.$("remove").addEventListener("click", () => composer.remove(this.index()));
    const preview = this.$("preview");
    preview.addEventListener("click", () => {
      composer.preview(block, this.item.querySelector('.field-error[data-field="other"]'), preview);
    });
    this.$("add-fallback").addEventListener("click", () => {
      block.fallback.push({ provider: composer.defaultProvider(), voice: "default" });
      this.renderFallbacks();
      const selects = this.item.querySelectorAll(".fallback-list .fallback-provider");
      selects[selects.length - 1].focus();
      composer.schedule();
    });
  }

  // Dragging by the handle; the block under the pointer shows where it would land.
  bindDrag() {
    const { item, composer } = this;
    const handle = this.$("drag-handle");
    handle.addEventListener("dragstart", (event) => {
      composer.dragging = this.block;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", `block ${this.index() + 1}`);
      if (event.isTrusted) event.dataTransfer.setDragImage(item, 20, 20);
      item.classList.add("dragging");
    });
    handle.addEventListener("dragend", () => {
      composer.dragging = null;
      item.classList.remove("dragging");
    });
    const after = (event) => {
      const box = item.getBoundingClientRect();
      return event.clientY > box.top + box.height / 2;
    };
    item.addEventListener("dragover", (event) => {
      if (!composer.dragging) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      item.classList.toggle("drop-after", after(event));
      item.classList.toggle("drop-before", !after(event));
    });
    item.addEventListener("dragleave", () => item.classList.remove("drop-after", "drop-before"));
    item.addEventListener("drop", (event) => {
      if (!composer.dragging) return;
      event.preventDefault();
      item.classList.remove("drop-after", "drop-before");
      composer.dropOn(this.block, after(event));
    });
  }

  renderFallbacks() {
    const { block, composer } = this;
    const n = this.index() + 1;
    const rows = block.fallback.map((choice, i) => {
      const row = document.createElement("li");
      const provider = document.createElement("select");
      provider.className = "fallback-provider";
      provider.setAttribute("aria-label", `Block ${n} fallback ${i + 1} provider`);
      const voice = document.createElement("select");
      voice.className = "fallback-voice";
      voice.setAttribute("aria-label", `Block ${n} fallback ${i + 1} voice`);
      bindPickers(composer, provider, voice, choice);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove fallback ${i + 1} of block ${n}`);
      remove.addEventListener("click", () => {
        block.fallback.splice(block.fallback.indexOf(choice), 1);
        this.renderFallbacks();
        this.$("add-fallback").focus();
        composer.schedule();
      });
      row.append(provider, " ", voice, " ", remove);
      return row;
    });
    this.$("fallback-list").replaceChildren(...rows);
  }

  // The block's errors as its state holds them; `focus`: focus the field named.
  showErrors(focus = false) {
    const errors = this.block.errors;
    for (const p of this.item.querySelectorAll(".field-error")) p.textContent = "";
    for (const el of this.item.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
    }
    if (!errors) return;
    const input = INPUT_OF_FIELD[errors.field];
    const slot = input === "text" ? "text" : "other";
    this.item.querySelector(`.field-error[data-field="${slot}"]`).textContent = errors.message;
    if (input) {
      const el = this.$(input);
      el.setAttribute("aria-invalid", "true");
      if (focus) el.focus();
    }
  }
}

// Binds a provider picker and a voice picker to `choice` ({provider, voice}: a block or one of
// its fallbacks): filled from the discovery routes, a change of provider resets the voice.
function bindPickers(composer, providerSelect, voiceSelect, choice) {
  fillProviders(composer, providerSelect, choice.provider);
  providerSelect.addEventListener("change", () => {
    choice.provider = providerSelect.value;
    choice.voice = "default";
    fillVoices(composer, voiceSelect, choice.provider, choice.voice, () => choice.provider);
  });
  voiceSelect.addEventListener("change", () => {
    choice.voice = voiceSelect.value;
  });
  fillVoices(composer, voiceSelect, choice.provider, choice.voice, () => choice.provider);
}

function fillProviders(composer, select, value) {
  for (const p of composer.providers) {
    const option = new Option(p.available ? p.name : `${p.name} (unavailable: ${p.reason})`,
                              p.name);
    option.disabled = !p.available;
    select.add(option);
  }
  select.value = value;
}

// Fills a voice picker with `provider`'s voices once they are known (unless `current()` says
// the provider changed meanwhile), keeping `value` chosen.
async function fillVoices(composer, select, provider, value, current) {
  select.replaceChildren(new Option("default", "default"));
  select.value = value;
  const voices = await composer.voicesOf(provider);
  if (current() !== provider) return;
  const options = [new Option("default", "default")];
  for (const v of voices) {
    const id = v.voice_id || v.name;
    const label = v.language ? `${v.name} (${v.language})` : v.name;
    options.push(new Option(label, id));
  }
  if (!options.some((o) => o.value === value)) options.push(new Option(value, value));
  select.replaceChildren(...options);
  select.value = value;
}
