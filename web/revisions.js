// The revisions of the job on screen (GET /jobs/{id}/revisions): the chain from the original to
// it, oldest first, each with its status, duration, date and download link.
import { api } from "./api.js";
import { describeJob } from "./history.js";

export class Revisions {
  constructor(list, title, onOpen) {
    this.list = list;
    this.title = title;
    this.onOpen = onOpen;
  }

  // Empties the list (no job on screen).
  clear() {
    this.list.replaceChildren();
    this.title.hidden = true;
  }

  async load(jobId) {
    try {
      const chain = await api("GET", `/jobs/${encodeURIComponent(jobId)}/revisions`);
      const items = chain.revisions.map((job, i) => {
        const item = document.createElement("li");
        item.dataset.jobId = job.job_id;
        item.dataset.status = job.status;
        const label = document.createElement("span");
        label.textContent = `${i === 0 ? "Original" : `Revision ${i}`} · ${describeJob(job)}`;
        item.append(label);
        if (job.status === "completed") {
          const link = document.createElement("a");
          link.href = `/result/${encodeURIComponent(job.job_id)}/audio`;
          link.textContent = "Download";
          link.setAttribute("aria-label", `Download ${label.textContent.split(" · ")[0]}`);
          item.append(" ", link);
        }
        if (job.job_id !== jobId && this.onOpen) {
          const open = document.createElement("button");
          open.type = "button";
          open.textContent = "Open";
          open.setAttribute("aria-label", `Open ${label.textContent.split(" · ")[0]}`);
          open.addEventListener("click", () => this.onOpen(job.job_id));
          item.append(" ", open);
        }
        return item;
      });
      this.list.replaceChildren(...items);
      this.title.hidden = items.length < 2;
      this.list.hidden = items.length < 2;
    } catch {
      this.list.replaceChildren();
      this.title.hidden = true;
    }
  }
}
