// The studio's entry point: signs in (the session cookie), shows the composer, submits the
// script and follows its rendering.
import { api, setCsrfToken } from "./api.js";
import { Composer } from "./compose.js";
import { History } from "./history.js";
import { RenderView } from "./render.js";

const $ = (id) => document.getElementById(id);

const composer = new Composer($("blocks"), $("block-template"), $("totals"));
const renderView = new RenderView({ status: $("job-status"), list: $("block-status"),
                                    player: $("player"), download: $("download"),
                                    onEnd: () => history.load() });
const history = new History($("history"), $("history-error"));

function show(view) {
  $("loading").hidden = true;
  $("sign-in-view").hidden = view !== "sign-in";
  $("compose-view").hidden = view !== "compose";
  $("render-view").hidden = view !== "compose" || !renderView.jobId;
  $("history-view").hidden = view !== "compose";
}

function signedIn(session) {
  setCsrfToken(session.csrf_token);
  $("who").textContent = `Signed in as ${session.user.name}`;
  $("who").hidden = false;
  $("sign-out").hidden = false;
}

async function openComposer() {
  await composer.loadProviders();
  if (composer.blocks.length === 0) composer.add();
  else composer.render();
  show("compose");
  history.load();
  // What the browser tests time: the page loaded and the first discovery call answered.
  performance.mark("compose-usable");
  document.body.dataset.view = "compose";
}

function openSignIn() {
  setCsrfToken(null);
  $("who").hidden = true;
  $("sign-out").hidden = true;
  show("sign-in");
  document.body.dataset.view = "sign-in";
  $("username").focus();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  $("sign-in").disabled = true;
  try {
    const session = await api("POST", "/session", { username: $("username").value,
                                                     password: $("password").value });
    $("password").value = "";
    signedIn(session);
    await openComposer();
  } catch (error) {
    $("sign-in-error").textContent = error.message;
  } finally {
    $("sign-in").disabled = false;
  }
});

$("sign-out").addEventListener("click", async () => {
  try {
    await api("DELETE", "/session");
  } finally {
    openSignIn();
  }
});

$("export").addEventListener("click", () => {
  const job = composer.job($("output-format").value);
  const file = new Blob([JSON.stringify(job, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = "polyvox-script.json";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
});

$("import").addEventListener("change", async () => {
  const file = $("import").files[0];
  if (!file) return;
  $("compose-error").textContent = "";
  try {
    const job = JSON.parse(await file.text());
    composer.load(job);
    if (job.output_format) $("output-format").value = job.output_format;
  } catch (error) {
    $("compose-error").textContent = `Import: ${error.message}`;
  } finally {
    $("import").value = "";
  }
});

$("refresh-history").addEventListener("click", () => history.load());

$("add-block").addEventListener("click", () => {
  const block = composer.add();
  composer.focusBlock(block.id, ".text");
});

$("render").addEventListener("click", async () => {
  composer.clearErrors();
  $("compose-error").textContent = "";
  $("render").disabled = true;
  const format = $("output-format").value;
  try {
    const job = composer.job(format);
    const accepted = await api("POST", "/tts", job);
    renderView.follow(accepted.job_id, job.blocks.length, format);
    $("render-view").hidden = false;
    history.load();
  } catch (error) {
    if (!composer.showError(error)) $("compose-error").textContent = error.message;
  } finally {
    $("render").disabled = false;
  }
});

async function start() {
  try {
    signedIn(await api("GET", "/session"));
    await openComposer();
  } catch {
    openSignIn();
  }
}

start();
