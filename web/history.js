// The user's jobs, newest first (GET /jobs): status, project and date; download a finished
// one, delete one (a running job is cancelled).
import { api } from "./api.js";

export class History {
  constructor(list, error) {
    this.list = list;
    this.error = error;
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
    label.textContent = `${job.project_id || "untitled"} · ${job.status} · ${job.progress} · ${when}`;
    item.append(label);
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
