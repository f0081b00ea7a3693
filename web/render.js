// A job as it renders and once it is done: each block's status live from the job's event
// stream, the audio playing from the progressive stream while later blocks render; then the
// waveform with its blocks (click one, or its Play button, to hear it), the download and the
// job's revisions.
import { api } from "./api.js";
import { WaveformPlayer } from "./player.js";
import { Revisions } from "./revisions.js";

const LABELS = { queued: "queued", processing: "rendering", retrying: "retrying",
                 done: "done", failed: "failed", cancelled: "cancelled" };

export class RenderView {
  constructor({ status, list, player, waveform, download, revisions, revisionsTitle, onEnd,
                onOpen }) {
    this.onEnd = onEnd;
    this.status = status;
    this.list = list;
    this.player = player;
    this.download = download;
    this.waveform = new WaveformPlayer(waveform, player);
    this.revisions = new Revisions(revisions, revisionsTitle, onOpen);
    this.events = null;
    this.jobId = null;
    this.job = null;  // {id, status}
  }

  reset(jobId, blockCount) {
    if (this.events) this.events.close();
    this.events = null;
    this.waveform.destroy();
    this.jobId = jobId;
    this.job = { id: jobId, status: "queued" };
    this.finished = false;
    this.download.hidden = true;
    this.items = [];
    for (let i = 0; i < blockCount; i++) {
      const item = document.createElement("li");
      item.dataset.index = i;
      const label = document.createElement("span");
      const play = document.createElement("button");
      play.type = "button";
      play.className = "play-block";
      play.textContent = "Play";
      play.setAttribute("aria-label", `Play block ${i + 1}`);
      play.hidden = true;
      play.addEventListener("click", () => this.waveform.playBlock(i));
      item.append(label, " ", play);
      this.items.push(item);
    }
    this.list.replaceChildren(...this.items);
  }

  // Follows a job just submitted: live statuses, the progressive stream.
  follow(jobId, blockCount, outputFormat) {
    this.reset(jobId, blockCount);
    this.status.textContent = `Job ${jobId}: queued`;
    this.items.forEach((_, i) => this.setBlock(i, "queued"));
    this.revisions.load(jobId);
    // The progressive stream: audio from the first placed block on, while the rest render.
    this.player.src = `/result/${encodeURIComponent(jobId)}/stream`;
    this.player.play().catch(() => {});
    const events = new EventSource(`/jobs/${encodeURIComponent(jobId)}/events`);
    this.events = events;
    const on = (name, handler) => events.addEventListener(name, (event) => {
      handler(JSON.parse(event.data));
    });
    on("snapshot", (job) => {
      for (const block of job.blocks || []) this.setBlock(block.index, block.status, block.error);
      this.status.textContent = `Job ${jobId}: ${job.status}`;
      // A job that ended before the stream opened (a revision served from the cache) has no
      // event left to send: the snapshot says how it ended.
      if (job.status === "completed") this.finish("completed", outputFormat);
      else if (job.status === "failed") this.finish("failed: " + (job.error || ""));
      else if (job.status === "cancelled") this.finish("cancelled");
    });
    on("block.processing", (e) => this.setBlock(e.index, "processing"));
    on("block.retrying", (e) => this.setBlock(e.index, "retrying", e.reason));
    on("block.done", (e) => this.setBlock(e.index, "done",
                                          `${e.provider} ${e.voice}${e.cached ? ", cached" : ""}`));
    on("block.failed", (e) => this.setBlock(e.index, "failed", e.reason));
    on("job.completed", () => this.finish("completed", outputFormat));
    on("job.failed", (e) => this.finish("failed: " + e.error));
    on("job.cancelled", () => this.finish("cancelled"));
  }

  // Stops the job's events and its stream (signed out: they would fail, and use the network).
  stopFollowing() {
    if (this.events) this.events.close();
    this.events = null;
    this.player.pause();
    this.player.removeAttribute("src");
    this.player.load();
  }

  // Shows no job (another user signs in next).
  close() {
    this.stopFollowing();
    this.waveform.destroy();
    this.jobId = null;
    this.job = null;
    this.finished = true;
    this.items = [];
    this.list.replaceChildren();
    this.status.textContent = "";
    this.download.hidden = true;
    this.download.removeAttribute("href");
    this.revisions.clear();
  }

  // Shows a job of the history as it is now (GET /status/{id}).
  async open(jobId) {
    const opening = (this.opening = (this.opening || 0) + 1);
    const job = await api("GET", `/status/${encodeURIComponent(jobId)}`);
    if (opening !== this.opening) return;  // another job was opened meanwhile: it shows
    this.reset(jobId, job.blocks.length);
    for (const block of job.blocks) this.setBlock(block.index, block.status, block.error);
    this.status.textContent = `Job ${jobId}: ${job.status}`;
    this.player.removeAttribute("src");
    this.revisions.load(jobId);
    if (job.status === "completed") await this.finish("completed");
    else if (job.status === "queued" || job.status === "processing") this.follow(jobId, job.blocks.length);
  }

  setBlock(index, status, detail) {
    const item = this.items[index];
    if (!item) return;
    item.className = status;
    item.dataset.status = status;
    item.firstChild.textContent = `Block ${index + 1}: ${LABELS[status] || status}` +
                                  (detail ? ` (${detail})` : "");
  }

  async finish(outcome, outputFormat) {
    if (this.finished) return;
    this.finished = true;
    if (this.events) this.events.close();
    this.events = null;
    this.job.status = outcome;
    this.status.textContent = `Job ${this.jobId}: ${outcome}`;
    if (outcome === "completed") {
      this.download.href = `/result/${encodeURIComponent(this.jobId)}/audio`;
      if (outputFormat) this.download.download = `polyvox-${this.jobId}.${outputFormat}`;
      else this.download.removeAttribute("download");  // the server's Content-Disposition
      this.download.hidden = false;
    }
    if (this.onEnd) this.onEnd(this.job);
    this.revisions.load(this.jobId);
    if (outcome !== "completed") return;
    try {
      const jobId = this.jobId;  // another job may take the screen while the waveform loads
      const blocks = await this.waveform.show(jobId, () => this.jobId === jobId);
      for (const b of blocks) {
        const play = this.items[b.index]?.querySelector(".play-block");
        if (play) play.hidden = false;
      }
    } catch (error) {
      this.status.textContent += ` (waveform: ${error.message})`;
    }
  }
}
