// The user's jobs, newest first (GET /jobs): status, duration and date; open one, download a
// finished one, delete one (a running job is cancelled).
import { api } from "./api.js";

// "completed · 3/3 blocks · 0:42 · 05/12/2026, 08:10:00": what the lists say of a job.
export function describeJob(job) {
  const parts = [job.status, `${job.progress} blocks`];
  if (typeof job.duration_ms === "number") parts.push(formatDuration(job.duration_ms));
  parts.push(new Date(job.created_at).toLocaleString());
  return parts.join(" · ");
}

export function formatDuration(ms) {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export class History {
  constructor(list, error, onOpen) {
    this.list = list;
    this.error = error;
    this.onOpen = onOpen;
  }

  // Empties the list (another user signs in next).
  clear() {
    this.list.replaceChildren();
    this.error.textContent = "";
  }

  async load() {
    this.error.textContent = "";
    try {
      const page = await api("GET", "/jobs?limit=20");
      this.list.replaceChildren(...page.jobs.map((job) => this.item(job)));
    } catch (error) {
      this.error.textContent = error.message;
    }
  }

  item(job) {
    const item = document.createElement("li");
    item.dataset.jobId = job.job_id;
    const when = new Date(job.created_at).toLocaleString();
    const label = document.createElement("span");
    const kind = job.parent_id ? "revision" : job.project_id || "untitled";
    label.textContent = `${kind} · ${describeJob(job)}`;
    item.append(label);
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = "Open";
    open.setAttribute("aria-label", `Open the job of ${when}`);
    open.addEventListener("click", () => this.onOpen(job.job_id));
    item.append(" ", open);
    if (job.status === "completed") {
      const link = document.createElement("a");
      link.href = `/result/${encodeURIComponent(job.job_id)}/audio`;
      link.textContent = "Download";
      link.setAttribute("aria-label", `Download the job of ${when}`);
      item.append(" ", link);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = job.status === "completed" || job.status === "failed" ||
                         job.status === "cancelled" ? "Delete" : "Cancel";
    remove.setAttribute("aria-label", `${remove.textContent} the job of ${when}`);
    remove.addEventListener("click", async () => {
      try {
        await api("DELETE", `/jobs/${encodeURIComponent(job.job_id)}`);
        await this.load();
      } catch (error) {
        this.error.textContent = error.message;
      }
    });
    item.append(" ", remove);
    return item;
  }
}
