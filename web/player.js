// The waveform of a finished job (wavesurfer.js and its regions plugin, loaded on first use):
// drawn from the peaks the server computed (GET /result/{id}/peaks, so a long file is never
// decoded in the tab), one region per block from the job's manifest; clicking a region plays
// that block. It plays through the page's own <audio> element. wavesurfer writes its styles into
// its shadow DOM with the page's style nonce (the page's Content-Security-Policy allows no other
// inline style).
import { api } from "./api.js";

const STYLE_NONCE = document.querySelector('meta[name="style-nonce"]')?.content || "";

function cssColor(name, alpha = 1) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const hex = /^#([0-9a-f]{6})$/i.exec(value);
  if (!hex || alpha === 1) return value || "gray";
  const n = parseInt(hex[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export class WaveformPlayer {
  constructor(container, media) {
    this.container = container;
    this.media = media;
    this.wavesurfer = null;
    this.regions = null;
  }

  // Shows job `jobId`'s waveform and block regions (the job is completed); resolves when drawn
  // with the blocks, or with none when `current()` says another job took the screen meanwhile
  // (nothing is then touched). Playback of the job's progressive stream goes on in its file.
  async show(jobId, current = () => true) {
    const id = encodeURIComponent(jobId);
    const [result, peaks, { default: WaveSurfer }, { default: RegionsPlugin }] =
        await Promise.all([api("GET", `/result/${id}`), api("GET", `/result/${id}/peaks`),
                           import("./wavesurfer.esm.js"), import("./wavesurfer-regions.esm.js")]);
    if (!current()) return [];
    const playing = !this.media.paused && !this.media.ended;
    const at = this.media.currentTime;
    this.destroy();
    this.media.src = `/result/${id}/audio`;
    if (playing) {  // the stream was being listened to: the file takes over where it was
      this.media.currentTime = at;
      this.media.play().catch(() => {});
    }
    this.regions = RegionsPlugin.create();
    this.wavesurfer = WaveSurfer.create({
      container: this.container, media: this.media, cspNonce: STYLE_NONCE,
      peaks: [Float32Array.from(peaks.peaks)], duration: peaks.duration_ms / 1000,
      height: 96, normalize: true, dragToSeek: true,
      waveColor: cssColor("--muted"), progressColor: cssColor("--accent"),
      cursorColor: cssColor("--focus"), plugins: [this.regions],
    });
    // A region made before the duration is known would be clamped to nothing.
    await new Promise((resolve) => this.wavesurfer.once("ready", resolve));
    if (!current()) return [];
    const blocks = result.manifest ? result.manifest.blocks : [];
    blocks.forEach((b, i) => {
      const start = b.offset_ms / 1000;
      this.regions.addRegion({
        id: `block-${b.index}`, start, end: start + (b.speech_ms + b.pause_ms) / 1000,
        content: `${b.index + 1}`, drag: false, resize: false,
        color: cssColor(i % 2 ? "--accent" : "--ok", 0.14),
      });
    });
    this.regions.on("region-clicked", (region, event) => {
      event.stopPropagation();
      region.play(true);
    });
    this.container.hidden = false;
    this.container.dataset.blocks = String(blocks.length);
    return blocks;
  }

  // Plays block `index` alone (from its start to its end).
  playBlock(index) {
    const region = this.regions?.getRegions().find((r) => r.id === `block-${index}`);
    if (region) region.play(true);
  }

  destroy() {
    if (this.wavesurfer) this.wavesurfer.destroy();
    this.wavesurfer = null;
    this.regions = null;
    this.container.hidden = true;
    this.container.replaceChildren();
  }
}
