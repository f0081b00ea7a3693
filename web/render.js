// A submitted job as it renders: each block's status live from the job's event stream, the
// audio playing from the progressive stream while later blocks render, then the download.

const LABELS = { queued: "queued", processing: "rendering", retrying: "retrying",
                 done: "done", failed: "failed" };

export class RenderView {
  constructor({ status, list, player, download, onEnd }) {
    this.onEnd = onEnd;
    this.status = status;
    this.list = list;
    this.player = player;
    this.download = download;
    this.events = null;
  }

  follow(jobId, blockCount, outputFormat) {
    if (this.events) this.events.close();
    this.jobId = jobId;
    this.download.hidden = true;
    this.status.textContent = `Job ${jobId}: queued`;
    this.items = [];
    const items = [];
    for (let i = 0; i < blockCount; i++) {
      const item = document.createElement("li");
      item.dataset.index = i;
      items.push(item);
    }
    this.items = items;
    this.list.replaceChildren(...items);
    items.forEach((_, i) => this.setBlock(i, "queued"));
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

  setBlock(index, status, detail) {
    const item = this.items[index];
    if (!item) return;
    item.className = status;
    item.dataset.status = status;
    item.textContent = `Block ${index + 1}: ${LABELS[status] || status}` +
                       (detail ? ` (${detail})` : "");
  }

  finish(outcome, outputFormat) {
    this.events.close();
    this.status.textContent = `Job ${this.jobId}: ${outcome}`;
    if (outcome === "completed") {
      this.download.href = `/result/${encodeURIComponent(this.jobId)}/audio`;
      this.download.download = `polyvox-${this.jobId}.${outputFormat || "mp3"}`;
      this.download.hidden = false;
    }
    if (this.onEnd) this.onEnd();
  }
}
