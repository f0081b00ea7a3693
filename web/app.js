// The studio's entry point: signs in (the session cookie), shows the composer, submits the
// script (or its changes, as a revision of the job last rendered from it) and follows its
// rendering; the history and the API keys.
import { api, onSessionEnded, setCsrfToken } from "./api.js";
import { Composer } from "./compose.js";
import { History } from "./history.js";
import { ApiKeys } from "./keys.js";
import { RenderView } from "./render.js";

const $ = (id) => document.getElementById(id);

const composer = new Composer($("blocks"), $("block-template"), $("totals"));
const history = new History($("history"), $("history-error"), (id) => openJob(id));
const renderView = new RenderView({
  status: $("job-status"), list: $("block-status"), player: $("player"),
  waveform: $("waveform"), download: $("download"), revisions: $("revisions"),
  revisionsTitle: $("revisions-title"), onEnd: (job) => rendered(job),
  onOpen: (id) => openJob(id),
});
const keys = new ApiKeys({ list: $("keys"), form: $("key-form"), name: $("key-name"),
                           days: $("key-days"), created: $("new-key"),
                           createdValue: $("new-key-value"), error: $("keys-error") });
// The job last rendered from the script on screen: "Re-render changes" revises it.
let baseJobId = null;
// The user whose work is on screen (their script, job, history and any key just created): kept
// over a sign-out and back in, forgotten when someone else signs in in this tab.
let shownUserId = null;

function show(view) {
  $("loading").hidden = true;
  $("sign-in-view").hidden = view !== "sign-in";
  $("compose-view").hidden = view !== "compose";
  $("render-view").hidden = view !== "compose" || !renderView.jobId;
  $("history-view").hidden = view !== "compose";
  if (view !== "compose") showKeys(false);
}

function showKeys(visible) {
  $("keys-view").hidden = !visible;
  $("show-keys").setAttribute("aria-expanded", String(visible));
  if (visible) keys.load();
}

function signedIn(session) {
  if (shownUserId !== null && shownUserId !== session.user.id) forgetShownWork();
  shownUserId = session.user.id;
  setCsrfToken(session.csrf_token);
  $("who").textContent = `Signed in as ${session.user.name}`;
  $("who").hidden = false;
  $("sign-out").hidden = false;
  $("show-keys").hidden = false;
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

// Another user signed in: nothing of the previous one's stays on the page.
function forgetShownWork() {
  renderView.close();
  keys.forget();
  composer.clear();
  history.clear();
  baseJobId = null;
  $("compose-error").textContent = "";
  $("render-revision").hidden = true;
}

function openSignIn() {
  // A key is shown once, to whoever created it: not to whoever sits down next.
  keys.forget();
  renderView.stopFollowing();
  setCsrfToken(null);
  $("who").hidden = true;
  $("sign-out").hidden = true;
  $("show-keys").hidden = true;
  show("sign-in");
  document.body.dataset.view = "sign-in";
  $("username").focus();
}

function rendered(job) {
  $("render-revision").hidden = job.status !== "completed" || job.id !== baseJobId;
  history.load();
}

async function openJob(jobId) {
  $("render-view").hidden = false;
  try {
    await renderView.open(jobId);
  } catch (error) {
    $("job-status").textContent = `Job ${jobId}: ${error.message}`;
  }
  $("render-title").scrollIntoView();
}

// Submits the script as a new job (POST /tts) or, with `parentId`, as a revision of that job.
async function submit(parentId) {
  composer.clearErrors();
  $("compose-error").textContent = "";
  $("render").disabled = true;
  $("render-revision").disabled = true;
  const format = $("output-format").value;
  try {
    const job = composer.job(format);
    const path = parentId ? `/jobs/${encodeURIComponent(parentId)}/revisions` : "/tts";
    const accepted = await api("POST", path, job);
    baseJobId = accepted.job_id;
    $("render-revision").hidden = true;
    renderView.follow(accepted.job_id, job.blocks.length, format);
    $("render-view").hidden = false;
    history.load();
  } catch (error) {
    if (!composer.showError(error)) $("compose-error").textContent = error.message;
  } finally {
    $("render").disabled = false;
    $("render-revision").disabled = false;
  }
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
  $("compose-error").textContent = "";
  try {
    await api("DELETE", "/session");
  } catch (error) {
    // The session may still be valid (the store could not be reached, another tab signed in
    // again): saying "signed out" would leave it to whoever uses this browser next.
    $("compose-error").textContent = `Not signed out: ${error.message}`;
    return;
  }
  openSignIn();
});

$("show-keys").addEventListener("click", () => showKeys($("keys-view").hidden));

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
    const known = [...$("output-format").options].map((o) => o.value);
    if (job.output_format !== undefined && !known.includes(job.output_format)) {
      throw new Error(`output_format: the studio renders ${known.join(", ")}, not ` +
                      `${JSON.stringify(job.output_format)}`);
    }
    composer.load(job);
    if (job.output_format) $("output-format").value = job.output_format;
    baseJobId = null;
    $("render-revision").hidden = true;
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

$("render").addEventListener("click", () => submit(null));
$("render-revision").addEventListener("click", () => submit(baseJobId));

// A session that ended while the page was open (expired, signed out in another tab): back to
// the sign-in form, saying why; the work on screen stays for the same user signing in again.
onSessionEnded(() => {
  if (document.body.dataset.view === "sign-in") return;
  openSignIn();
  $("sign-in-error").textContent = "Your session has ended: sign in again.";
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
