// The user's API keys (GET/POST /api-keys, DELETE /api-keys/{id}): listed, created (the key
// itself shown once) and revoked.
import { api } from "./api.js";

export class ApiKeys {
  constructor({ list, form, name, days, created, createdValue, error }) {
    this.list = list;
    this.error = error;
    this.created = created;
    this.createdValue = createdValue;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      this.error.textContent = "";
      const request = { name: name.value };
      if (days.value) request.expires_in_days = Number(days.value);
      try {
        const key = await api("POST", "/api-keys", request);
        this.createdValue.textContent = key.key;
        this.created.hidden = false;
        name.value = "";
        days.value = "";
        await this.load();
      } catch (error) {
        this.error.textContent = error.field ? `${error.field}: ${error.message}` : error.message;
      }
    });
  }

  // Hides the key shown once and the list (another user signs in next).
  forget() {
    this.createdValue.textContent = "";
    this.created.hidden = true;
    this.list.replaceChildren();
    this.error.textContent = "";
  }

  async load() {
    try {
      const answer = await api("GET", "/api-keys");
      this.list.replaceChildren(...answer.keys.map((key) => this.item(key)));
    } catch (error) {
      this.error.textContent = error.message;
    }
  }

  item(key) {
    const item = document.createElement("li");
    item.dataset.keyId = key.id;
    const label = document.createElement("span");
    const expiry = key.expires_at ? `expires ${new Date(key.expires_at).toLocaleString()}`
                                  : "no expiry";
    const used = key.last_used_at ? `last used ${new Date(key.last_used_at).toLocaleString()}`
                                  : "never used";
    label.textContent = `${key.name} · ${key.prefix}… · ${key.expired ? "expired" : expiry}` +
                        ` · ${used}`;
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.textContent = "Revoke";
    revoke.setAttribute("aria-label", `Revoke the key ${key.name}`);
    revoke.addEventListener("click", async () => {
      this.error.textContent = "";
      try {
        await api("DELETE", `/api-keys/${encodeURIComponent(key.id)}`);
        this.created.hidden = true;
        await this.load();
      } catch (error) {
        this.error.textContent = error.message;
      }
    });
    item.append(label, " ", revoke);
    return item;
  }
}
