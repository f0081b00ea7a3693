#!/usr/bin/env python3
"""The studio in a real browser: Debian's Chromium, headless, driven by Debian's chromedriver and
python3-selenium, against a real `polyvox serve` on 127.0.0.1. Signs in, composes three blocks
(espeak, flite, an Arabic block, its diacritics previewed), duplicates and deletes a block,
reorders by keyboard only and by dragging, sees a validation error on its block, submits, sees
every block done, plays the progressive stream (the audio element's currentTime advances),
sees the waveform with one region per block and plays one block alone, downloads the file and
checks it with ffprobe, edits one block and re-renders it as a revision in which only that
block called a provider (the job's usage: calls and cache hits per provider), sees both
revisions listed and downloadable, adds a fallback voice, exports the script as a job and
imports another; creates, lists and revokes an API key; imports a 1,000-block script and times
a keystroke and a scroll (the list is virtualized). axe-core (npm, pinned) finds no violation on
the sign-in, compose, render and API key views, and the page's Content-Security-Policy refuses
nothing (the browser's log). Measures the first load's weight as served and the time to a
usable compose view. A second test signs in at a phone's width (360 CSS pixels) and checks
that the compose view does not scroll sideways and passes axe-core in the light and the dark
colour scheme. A screenshot is taken after each step; they are kept (with the page's
HTML) in ARTIFACT_DIR only when the test fails. With STUDIO_SCREENSHOT=path in the environment,
a screenshot of the rendered studio is also written there (README's docs/studio.png).

usage: studio_test.py POLYVOX_BINARY AXE_JS ARTIFACT_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from polyvox_server import ADMIN_PASSWORD, Server  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402

BINARY = AXE_JS = ARTIFACT_DIR = None
FIRST_LOAD_LIMIT = 300 * 1024
# A keystroke (keydown to the second frame after it) and a jump to the middle of a 1,000-block
# script (to the second frame after it) are measured and printed; that the list is virtualized
# is what is asserted: fewer than 100 blocks in the DOM, the right ones after a jump.
LONG_SCRIPT_BLOCKS = 1000
ARABIC = "مرحبا بكم في الاستوديو"
ARABIC_MARKS = {chr(c) for c in range(0x064B, 0x0653)}


def chromium(profile, downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps", "--disable-quic",
                 "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                 "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class StudioBrowserTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(BINARY).start()
        self.work = tempfile.mkdtemp(prefix="polyvox-studio-")
        self.shots = os.path.join(self.work, "screenshots")
        self.downloads = os.path.join(self.work, "downloads")
        os.makedirs(self.shots)
        os.makedirs(self.downloads)
        self.driver = chromium(os.path.join(self.work, "profile"), self.downloads)
        self.driver.set_script_timeout(60)
        self.step_number = 0
        self.refused = []  # what the page's Content-Security-Policy refused (browser's log)
        self.base = f"http://127.0.0.1:{self.server.port}"

    def failed(self):
        # Python 3.11 records a failure in the result at once and leaves _outcome.success true
        # until the test ends, so the result's lists are what tells.
        result = self._outcome.result
        problems = list(getattr(result, "errors", [])) + list(getattr(result, "failures", []))
        return not self._outcome.success or any(test is self for test, _ in problems)

    def tearDown(self):
        failed = self.failed()
        if failed and ARTIFACT_DIR:
            self.step("failure")
            target = os.path.join(ARTIFACT_DIR, self.id().split(".")[-1])
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(self.shots, target)
            with open(os.path.join(target, "page.html"), "w", encoding="utf-8") as f:
                f.write(self.driver.page_source)
            print(f"\nscreenshots kept in {target}", file=sys.stderr)
        self.driver.quit()
        code = self.server.stop()
        self.server.close()
        shutil.rmtree(self.work, ignore_errors=True)
        self.assertEqual(code, 0)

    # --- helpers -----------------------------------------------------------------------------
    def step(self, name):
        self.step_number += 1
        self.driver.save_screenshot(os.path.join(self.shots, f"{self.step_number:02d}-{name}.png"))

    def wait(self, condition, timeout=30, what="condition"):
        # An element re-rendered between two WebDriver calls is looked for again.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: condition(), message=f"waited {timeout} s for {what}")

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def blocks(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#blocks > li.block")

    def view(self):
        return self.driver.find_element(By.TAG_NAME, "body").get_attribute("data-view")

    def job_id(self):
        return self.by_id("job-status").text.split()[1].rstrip(":")

    def fetch_json(self, path):
        """GET `path` from the page (the session cookie authenticates it)."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.json()).then(done);",
            path)

    def statuses(self):
        return [li.get_attribute("data-status") for li in
                self.by_id("block-status").find_elements(By.TAG_NAME, "li")]

    def wait_rendered(self, blocks):
        self.wait(lambda: self.statuses() == ["done"] * blocks, timeout=120,
                  what="every block done")
        self.wait(lambda: self.by_id("download").is_displayed(), timeout=60,
                  what="the download link")
        self.wait(lambda: self.by_id("waveform").get_attribute("data-blocks") == str(blocks),
                  timeout=30, what="the waveform")

    def csp_refusals(self):
        return [entry["message"] for entry in self.driver.get_log("browser")
                if "Content Security Policy" in entry["message"]
                or "Content-Security-Policy" in entry["message"]
                or "Refused to" in entry["message"]]

    def drag(self, source, target, after):
        """Drags block `source`'s handle onto block `target` (its lower half when `after`), as
        the browser's drag and drop does (DragEvents sharing one DataTransfer)."""
        self.driver.execute_script(
            "const [from, to, after] = arguments;"
            "const items = document.querySelectorAll('#blocks > li.block');"
            "const handle = items[from].querySelector('.drag-handle');"
            "const target = items[to];"
            "const box = target.getBoundingClientRect();"
            "const y = after ? box.bottom - 2 : box.top + 2;"
            "const data = new DataTransfer();"
            "const fire = (el, type) => el.dispatchEvent(new DragEvent(type,"
            "  {bubbles: true, cancelable: true, dataTransfer: data, clientY: y}));"
            "fire(handle, 'dragstart'); fire(target, 'dragover'); fire(target, 'drop');"
            "fire(handle, 'dragend');", source, target, after)

    def axe_violations(self):
        with open(AXE_JS, encoding="utf-8") as f:
            self.driver.execute_script(f.read())
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            "  .then(r => done(r.violations.map(v => ({id: v.id, help: v.help,"
            "    nodes: v.nodes.map(n => n.target.join(' '))}))));")

    def assert_accessible(self, view):
        # axe-core, injected by the test, applies an inline style of its own, which the page's
        # policy refuses: what the page did before is kept, what axe did is dropped.
        self.refused += self.csp_refusals()
        violations = self.axe_violations()
        self.csp_refusals()
        self.assertEqual(violations, [], f"axe-core on the {view} view: "
                         + json.dumps(violations, indent=1))

    def fill_block(self, item, text, provider=None, voice_language=None, arabic=False):
        area = item.find_element(By.CSS_SELECTOR, ".text")
        area.clear()
        area.send_keys(text)
        if provider:
            Select(item.find_element(By.CSS_SELECTOR, ".provider")).select_by_value(provider)
        if voice_language:
            voices = item.find_element(By.CSS_SELECTOR, ".voice")
            self.wait(lambda: len(Select(voices).options) > 1, what="the voice list")
            choice = next(o for o in Select(voices).options
                          if o.text.endswith(f"({voice_language})"))
            Select(voices).select_by_value(choice.get_attribute("value"))
        if arabic:
            item.find_element(By.CSS_SELECTOR, ".arabic").click()

    def texts(self):
        return [b.find_element(By.CSS_SELECTOR, ".text").get_attribute("value")
                for b in self.blocks()]

    # --- the test ----------------------------------------------------------------------------
    def test_sign_in_compose_render_play_and_download(self):
        driver = self.driver
        # First load, cold cache: what was served, compressed, for the page and what it loads.
        driver.get(self.base + "/")
        self.wait(lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-view")
                  == "sign-in", what="the sign-in view")
        weight = driver.execute_script(
            "const all = performance.getEntriesByType('navigation')"
            "  .concat(performance.getEntriesByType('resource'));"
            "return all.map(e => [e.name, e.transferSize, e.encodedBodySize]);")
        served = sum(entry[1] for entry in weight)
        self.step("sign-in")
        self.assert_accessible("sign-in")

        # Sign in with the form.
        self.by_id("username").send_keys("admin")
        self.by_id("password").send_keys(ADMIN_PASSWORD)
        self.by_id("sign-in").click()
        self.wait(lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-view")
                  == "compose", what="the compose view")
        cookie = driver.get_cookie("polyvox_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")

        # Reload (the session cookie signs in): time to a usable compose view, from navigation
        # start to the page loaded and the first discovery call answered.
        driver.get(self.base + "/")
        self.wait(lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-view")
                  == "compose", what="the compose view after a reload")
        usable_ms = driver.execute_script(
            "return performance.getEntriesByName('compose-usable')[0].startTime;")
        dom_ms = driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;")
        print(f"\nfirst load as served: {served} bytes in {len(weight)} responses; "
              f"DOMContentLoaded {dom_ms:.0f} ms, compose view usable {usable_ms:.0f} ms",
              file=sys.stderr)
        self.assertLessEqual(served, FIRST_LOAD_LIMIT, weight)
        # The time to a usable view is measured and printed (the note reports it), not asserted:
        # on a loaded 2-core machine any bound is either loose or flaky.
        self.assertGreater(usable_ms, 0)
        self.step("compose")

        # Compose: espeak, flite, an Arabic block.
        self.assertEqual(len(self.blocks()), 1)
        self.fill_block(self.blocks()[0], "Hello from the espeak voice.", provider="espeak")
        self.by_id("add-block").click()
        self.fill_block(self.blocks()[1], "And this block speaks with flite.", provider="flite")
        self.by_id("add-block").click()
        self.fill_block(self.blocks()[2], ARABIC, provider="espeak", voice_language="ar",
                        arabic=True)
        self.assertEqual(self.blocks()[2].find_element(By.CSS_SELECTOR, ".text")
                         .get_attribute("dir"), "auto")
        self.step("composed")
        self.assert_accessible("compose")

        # Keyboard-only reorder: Alt+ArrowUp moves the Arabic block up, Alt+ArrowDown back.
        expected = self.texts()
        self.blocks()[2].find_element(By.CSS_SELECTOR, ".text").send_keys(Keys.ALT, Keys.ARROW_UP)
        self.assertEqual(self.texts(), [expected[0], expected[2], expected[1]])
        focused = driver.switch_to.active_element
        self.assertEqual(focused.get_attribute("value"), ARABIC)  # focus follows the block
        focused.send_keys(Keys.ALT, Keys.ARROW_DOWN)
        self.assertEqual(self.texts(), expected)
        self.step("reordered")

        # Dragging by the handle: the flite block onto the top half of the first, then back.
        self.drag(1, 0, after=False)
        self.assertEqual(self.texts(), [expected[1], expected[0], expected[2]])
        self.drag(0, 1, after=True)
        self.assertEqual(self.texts(), expected)
        self.step("dragged")

        # Duplicate a block (the copy follows it), then delete the copy.
        self.blocks()[0].find_element(By.CSS_SELECTOR, ".duplicate").click()
        self.assertEqual(self.texts(), [expected[0]] + expected)
        self.assertEqual(Select(self.blocks()[1].find_element(By.CSS_SELECTOR, ".provider"))
                         .first_selected_option.get_attribute("value"), "espeak")
        self.blocks()[1].find_element(By.CSS_SELECTOR, ".remove").click()
        self.assertEqual(self.texts(), expected)

        # The Arabic block's diacritics (POST /diacritize), shown as text, right to left.
        arabic = self.blocks()[2]
        arabic.find_element(By.CSS_SELECTOR, ".show-diacritics").click()
        shown = arabic.find_element(By.CSS_SELECTOR, ".diacritized")
        self.wait(lambda: shown.is_displayed() and shown.text, what="the diacritized text")
        self.assertTrue(ARABIC_MARKS & set(shown.text), shown.text)
        self.assertEqual("".join(c for c in shown.text if c not in ARABIC_MARKS), ARABIC)
        self.assertEqual(shown.get_attribute("dir"), "rtl")
        self.step("diacritized")

        # A validation error is shown on the block and field it names.
        pause = self.blocks()[1].find_element(By.CSS_SELECTOR, ".pause")
        pause.clear()
        pause.send_keys("70000")
        self.by_id("render").click()
        message = self.blocks()[1].find_element(By.CSS_SELECTOR, '.field-error[data-field="other"]')
        self.wait(lambda: message.text != "", what="the validation error")
        self.assertIn("blocks[1].wait_after_ms", message.text)
        self.assertEqual(pause.get_attribute("aria-invalid"), "true")
        self.assertEqual(self.by_id("render-view").get_attribute("hidden"), "true")
        self.step("validation-error")
        pause.clear()
        pause.send_keys("300")

        # Render: every block reaches done, live; then the waveform, one region per block.
        self.by_id("render").click()
        self.wait(lambda: self.by_id("block-status").find_elements(By.TAG_NAME, "li"),
                  what="the block statuses")
        self.wait_rendered(3)
        self.assertIn("completed", self.by_id("job-status").text)
        first_job = self.job_id()

        def regions():
            return driver.execute_script(
                "const host = document.querySelector('#waveform > div');"
                "return host && host.shadowRoot ? [...host.shadowRoot.querySelectorAll("
                "  '[part~=\"region\"]')].map(r => r.getAttribute('part').split(' ')[1]) : [];")
        self.wait(lambda: sorted(regions()) == ["block-0", "block-1", "block-2"],
                  what="a region per block")
        self.step("rendered")
        self.assert_accessible("render")

        # Play: the audio element's time advances.
        driver.execute_script("document.getElementById('player').play();")
        self.wait(lambda: driver.execute_script(
            "return document.getElementById('player').currentTime;") > 0.3, timeout=30,
            what="the audio to play")
        self.step("playing")

        # Click a block to play it: block 2 from its start, stopping at its end (before block 3).
        manifest = self.fetch_json(f"/result/{first_job}")["manifest"]
        second = manifest["blocks"][1]
        start = second["offset_ms"] / 1000
        end = start + (second["speech_ms"] + second["pause_ms"]) / 1000
        self.assertLess(end + 0.5, manifest["duration_ms"] / 1000)
        driver.execute_script("const p = document.getElementById('player');"
                              "p.pause(); p.currentTime = 0;")
        self.by_id("block-status").find_elements(By.CSS_SELECTOR, ".play-block")[1].click()
        player_time = "return document.getElementById('player').currentTime;"
        self.wait(lambda: start + 0.2 < driver.execute_script(player_time) <= end + 0.25,
                  timeout=30, what="block 2 to play")
        self.step("block-playing")
        # ... and stops at its end.
        self.wait(lambda: driver.execute_script("return document.getElementById('player').paused;"),
                  timeout=30, what="block 2 to end")
        self.assertLess(abs(driver.execute_script(player_time) - end), 0.3)

        # Download (the server's Content-Disposition names the file), and check the file.
        self.by_id("download").click()

        def downloaded():
            names = os.listdir(self.downloads)
            done = [n for n in names if n.endswith(".mp3")]
            return os.path.join(self.downloads, done[0]) if done else None
        path = self.wait(downloaded, timeout=30, what="the download")
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                                "format=format_name,duration:stream=codec_type,codec_name",
                                "-of", "json", path], capture_output=True, text=True)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        info = json.loads(probe.stdout)
        self.assertEqual(info["format"]["format_name"], "mp3")
        self.assertEqual([s["codec_type"] for s in info["streams"]], ["audio"])
        self.assertGreater(float(info["format"]["duration"]), 2.0)

        # Edit one block, re-render the changes as a revision: only that block calls its
        # provider, the audio cache serves the two others.
        self.fill_block(self.blocks()[1], "And this block speaks with flite, edited.")
        self.wait(lambda: self.by_id("render-revision").is_displayed(),
                  what="the re-render button")
        self.by_id("render-revision").click()
        self.wait(lambda: self.job_id() != first_job, what="the revision's job")
        revision = self.job_id()
        self.wait_rendered(3)
        status = self.fetch_json(f"/status/{revision}")
        self.assertEqual(status["parent_id"], first_job)
        usage = {u["provider"]: (u["calls"], u["cache_hits"]) for u in status["usage"]}
        self.assertEqual(usage, {"flite": (1, 0), "espeak": (0, 2)})
        self.wait(lambda: len(self.by_id("revisions").find_elements(By.TAG_NAME, "li")) == 2,
                  what="both revisions listed")
        listed = self.by_id("revisions").find_elements(By.TAG_NAME, "li")
        self.assertEqual([li.get_attribute("data-job-id") for li in listed], [first_job, revision])
        for li in listed:
            link = li.find_element(By.TAG_NAME, "a")
            self.assertTrue(link.get_attribute("href").endswith(
                f"/result/{li.get_attribute('data-job-id')}/audio"))
        self.step("revised")
        if os.environ.get("STUDIO_SCREENSHOT"):
            driver.set_window_size(1280, 2300)
            driver.execute_script("window.scrollTo(0, 0);")
            driver.save_screenshot(os.environ["STUDIO_SCREENSHOT"])
            driver.set_window_size(1280, 900)
        self.assertEqual(self.refused + self.csp_refusals(), [])

        # A fallback voice for the first block, kept in the exported job.
        first = self.blocks()[0]
        first.find_element(By.CSS_SELECTOR, ".add-fallback").click()
        fallback = first.find_element(By.CSS_SELECTOR, ".fallback-provider")
        self.assertEqual(fallback.get_attribute("aria-label"), "Block 1 fallback 1 provider")
        Select(fallback).select_by_value("flite")

        # Export the script as a job, import another one.
        self.by_id("export").click()
        exported = os.path.join(self.downloads, "polyvox-script.json")
        self.wait(lambda: os.path.exists(exported), timeout=30, what="the exported script")
        with open(exported, encoding="utf-8") as f:
            job = json.load(f)
        expected[1] = "And this block speaks with flite, edited."
        self.assertEqual([b["text"] for b in job["blocks"]], expected)
        self.assertEqual(job["blocks"][0]["fallback"], [{"provider": "flite", "voice": "default"}])
        self.assertNotIn("fallback", job["blocks"][1])
        self.assertEqual([b["provider"] for b in job["blocks"]], ["espeak", "flite", "espeak"])
        self.assertEqual([b["arabic"] for b in job["blocks"]], [False, False, True])
        imported = os.path.join(self.work, "imported.json")
        with open(imported, "w", encoding="utf-8") as f:
            json.dump({"output_format": "wav", "blocks": [
                {"text": "Imported first.", "provider": "flite", "wait_after_ms": 250},
                {"text": "Imported second.", "provider": "espeak"}]}, f)
        self.by_id("import").send_keys(imported)
        self.wait(lambda: len(self.blocks()) == 2, what="the imported blocks")
        self.assertEqual(self.texts(), ["Imported first.", "Imported second."])
        self.assertEqual(self.blocks()[0].find_element(By.CSS_SELECTOR, ".pause")
                         .get_attribute("value"), "250")
        self.assertEqual(Select(self.by_id("output-format")).first_selected_option
                         .get_attribute("value"), "wav")
        self.step("imported")

        # API keys: created (shown once), listed, revoked.
        self.by_id("show-keys").click()
        self.wait(lambda: self.by_id("keys-view").is_displayed(), what="the API keys")
        self.assert_accessible("API keys")
        self.by_id("key-name").send_keys("studio test key")
        self.by_id("key-days").send_keys("30")
        self.by_id("create-key").click()
        self.wait(lambda: self.by_id("new-key-value").text.startswith("pvx_"), what="the new key")
        key = self.by_id("new-key-value").text
        self.wait(lambda: len(self.by_id("keys").find_elements(By.TAG_NAME, "li")) == 1,
                  what="the key listed")
        item = self.by_id("keys").find_element(By.TAG_NAME, "li")
        self.assertIn("studio test key", item.text)
        self.assertIn(key[:10], item.text)  # its prefix, never the key
        self.assertNotIn(key, item.text)
        self.step("api-key")
        item.find_element(By.TAG_NAME, "button").click()
        self.wait(lambda: not self.by_id("keys").find_elements(By.TAG_NAME, "li"),
                  what="the key revoked")
        self.by_id("show-keys").click()

        # A 1,000-block script stays responsive: only the blocks near the viewport are in the
        # DOM; a keystroke and a jump to the middle are timed to the second frame after them.
        long_script = os.path.join(self.work, "long.json")
        with open(long_script, "w", encoding="utf-8") as f:
            json.dump({"blocks": [{"text": f"Block number {i} of a long script.",
                                   "provider": "espeak" if i % 2 else "flite"}
                                  for i in range(LONG_SCRIPT_BLOCKS)]}, f)
        started = time.monotonic()
        self.by_id("import").send_keys(long_script)
        self.wait(lambda: self.by_id("totals").text.startswith(f"{LONG_SCRIPT_BLOCKS} blocks"),
                  what="the long script")
        import_ms = (time.monotonic() - started) * 1000
        rendered = len(self.blocks())
        self.assertLess(rendered, 100)
        driver.execute_script(
            "window.__keystroke = null;"
            "document.addEventListener('keydown', (e) => { const t0 = performance.now();"
            "  requestAnimationFrame(() => requestAnimationFrame(() => {"
            "    window.__keystroke = performance.now() - t0; })); }, {once: true});")
        self.blocks()[0].find_element(By.CSS_SELECTOR, ".text").send_keys("x")
        keystroke_ms = self.wait(lambda: driver.execute_script("return window.__keystroke;"),
                                 what="the keystroke's frame")
        self.assertTrue(self.by_id("totals").text.startswith(f"{LONG_SCRIPT_BLOCKS} blocks"))
        scroll_ms = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const t0 = performance.now();"
            "window.scrollTo(0, document.documentElement.scrollHeight / 2);"
            "requestAnimationFrame(() => requestAnimationFrame(() =>"
            "  done(performance.now() - t0)));")
        # Read in the page in one go: the list re-renders as it settles, and an element found
        # by one WebDriver call can be gone by the next (a stale reference, not a failure).
        positions = ("return [...document.querySelectorAll('#blocks > li.block')]"
                     ".map((b) => Number(b.getAttribute('aria-posinset')));")
        self.wait(lambda: (driver.execute_script(positions) or [0])[0] > 100,
                  what="the middle of the script rendered")
        middle = driver.execute_script(positions)
        self.assertLess(len(middle), 100)
        self.assertEqual(middle, list(range(middle[0], middle[0] + len(middle))))
        # To the end (again, as a reader presses End again, while the blocks' estimated heights
        # give way to measured ones).
        self.wait(lambda: driver.execute_script(
            "window.scrollTo(0, document.documentElement.scrollHeight);"
            "const items = document.querySelectorAll('#blocks > li.block');"
            "return items[items.length - 1].getAttribute('aria-posinset');")
            == str(LONG_SCRIPT_BLOCKS), what="the last block rendered")
        self.step("long-script")
        print(f"\n{LONG_SCRIPT_BLOCKS}-block script: import {import_ms:.0f} ms, {rendered} blocks "
              f"in the DOM, keystroke {keystroke_ms:.1f} ms, jump to the middle "
              f"{scroll_ms:.1f} ms", file=sys.stderr)
        self.assertGreater(keystroke_ms, 0)
        self.assertGreater(scroll_ms, 0)


    def sign_in_with_the_form(self, name, password):
        self.wait(lambda: self.view() == "sign-in", what="the sign-in view")
        self.by_id("username").clear()
        self.by_id("username").send_keys(name)
        self.by_id("password").send_keys(password)
        self.by_id("sign-in").click()
        self.wait(lambda: self.view() == "compose", what="the compose view")
        self.wait(lambda: self.blocks(), what="a block to compose")

    def test_the_next_user_of_the_tab_sees_nothing_of_the_last_ones_work(self):
        # A key is shown once, to whoever created it; a script, a job, the history are their
        # author's. Signing out and back in as the same user keeps the script.
        self.server.users("add", "bea", "--password", "bea-password")
        self.driver.get(self.base + "/")
        self.sign_in_with_the_form("admin", ADMIN_PASSWORD)
        self.fill_block(self.blocks()[0], "The admin's own words.")
        self.by_id("show-keys").click()
        self.wait(lambda: self.by_id("keys-view").is_displayed(), what="the API keys")
        self.by_id("key-name").send_keys("admin's key")
        self.by_id("create-key").click()
        self.wait(lambda: self.by_id("new-key-value").text.startswith("pvx_"), what="the new key")
        self.by_id("sign-out").click()
        self.sign_in_with_the_form("admin", ADMIN_PASSWORD)
        self.assertEqual(self.texts(), ["The admin's own words."])
        self.by_id("render").click()
        self.wait(lambda: self.by_id("history").find_elements(By.TAG_NAME, "li"),
                  what="the job in the history")
        self.by_id("sign-out").click()
        self.wait(lambda: self.view() == "sign-in", what="signed out")
        self.assertEqual(self.by_id("new-key-value").get_attribute("textContent"), "")
        self.sign_in_with_the_form("bea", "bea-password")
        self.step("next-user")
        self.assertEqual(self.texts(), [""])
        self.assertEqual(self.by_id("history").find_elements(By.TAG_NAME, "li"), [])
        self.assertFalse(self.by_id("render-view").is_displayed())
        self.by_id("show-keys").click()
        self.wait(lambda: self.by_id("keys-view").is_displayed(), what="bea's API keys")
        self.assertFalse(self.by_id("new-key").is_displayed())
        self.assertEqual(self.by_id("new-key-value").get_attribute("textContent"), "")
        self.assertEqual(self.by_id("keys").find_elements(By.TAG_NAME, "li"), [])

    def test_a_session_that_ends_while_the_page_is_open_goes_back_to_sign_in(self):
        # The cookie gone (expired, ended elsewhere): the next call the page makes is 401, and the
        # page says so and asks to sign in, rather than showing errors under a form that can no
        # longer do anything. The script on screen stays for the same user.
        self.driver.get(self.base + "/")
        self.sign_in_with_the_form("admin", ADMIN_PASSWORD)
        self.fill_block(self.blocks()[0], "Words written before the session ended.")
        self.driver.delete_all_cookies()
        self.by_id("refresh-history").click()
        self.wait(lambda: self.view() == "sign-in", what="the sign-in view")
        self.step("session-ended")
        self.assertIn("session has ended", self.by_id("sign-in-error").text)
        self.assertFalse(self.by_id("sign-out").is_displayed())
        self.sign_in_with_the_form("admin", ADMIN_PASSWORD)
        self.assertEqual(self.texts(), ["Words written before the session ended."])
        self.assertEqual(self.by_id("sign-in-error").text, "")

    def test_an_imported_job_keeps_every_field_the_composer_has_no_control_for(self):
        # Import kept only text, provider, voice, pause, arabic and fallbacks: an audiobook's
        # speeds, chapters, speakers, profile and format were dropped, and Render sent another
        # job than the file (an m4b selected no format at all: Render sent "").
        source = {"project_id": "audiobook-7", "profile": "audiobook", "output_format": "m4b",
                  "blocks": [{"text": "Chapter one begins.", "provider": "espeak", "voice": "en",
                              "speed": 1.5, "chapter": "One", "wait_after_ms": 300},
                             {"text": "Then it goes on.", "provider": "flite", "voice": "slt",
                              "speaker": "Ann", "cache": False}]}
        path = os.path.join(self.work, "audiobook.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(source, f)
        self.driver.get(self.base + "/")
        self.sign_in_with_the_form("admin", ADMIN_PASSWORD)
        self.by_id("import").send_keys(path)
        self.wait(lambda: self.texts() == ["Chapter one begins.", "Then it goes on."],
                  what="the imported script")
        self.assertEqual(Select(self.by_id("output-format")).first_selected_option
                         .get_attribute("value"), "m4b")
        self.by_id("export").click()
        exported = os.path.join(self.downloads, "polyvox-script.json")
        self.wait(lambda: os.path.exists(exported), timeout=30, what="the exported script")
        with open(exported, encoding="utf-8") as f:
            job = json.load(f)
        self.assertEqual({k: job[k] for k in ("project_id", "profile", "output_format")},
                         {"project_id": "audiobook-7", "profile": "audiobook",
                          "output_format": "m4b"})
        self.assertEqual((job["blocks"][0]["speed"], job["blocks"][0]["chapter"]), (1.5, "One"))
        self.assertEqual((job["blocks"][1]["speaker"], job["blocks"][1]["cache"]), ("Ann", False))
        # Rendered as the file says: its chapters and profile reach the job.
        self.by_id("render").click()
        self.wait(lambda: self.by_id("job-status").text.startswith("Job "), what="the job")
        self.wait_rendered(2)
        result = self.fetch_json(f"/result/{self.job_id()}")
        self.assertEqual([c["title"] for c in result["manifest"]["chapters"]], ["One"])
        self.assertEqual(result["manifest"]["profile"], "audiobook")

    def test_a_phones_width_and_the_dark_scheme(self):
        # 360 CSS pixels wide (a phone) and the dark colour scheme: the compose view fits the
        # width (nothing scrolls sideways), and axe-core (colour contrast included) finds no
        # violation in either scheme.
        driver = self.driver
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 360, "height": 800, "deviceScaleFactor": 1,
                                "mobile": True})
        driver.get(self.base + "/")
        self.wait(lambda: self.view() == "sign-in", what="the sign-in view")
        self.by_id("username").send_keys("admin")
        self.by_id("password").send_keys(ADMIN_PASSWORD)
        self.by_id("sign-in").click()
        self.wait(lambda: self.view() == "compose", what="the compose view")
        self.wait(lambda: self.blocks(), what="a block to compose")
        self.assertEqual(driver.execute_script("return window.innerWidth;"), 360)
        self.assertLessEqual(driver.execute_script(
            "return document.documentElement.scrollWidth;"), 360,
            "the compose view scrolls sideways at 360 px")
        self.step("narrow")
        self.assert_accessible("compose at 360 px")
        background = "return getComputedStyle(document.body).backgroundColor;"
        light = driver.execute_script(background)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        self.wait(lambda: driver.execute_script(background) != light, what="the dark scheme")
        self.assertLessEqual(driver.execute_script(
            "return document.documentElement.scrollWidth;"), 360)
        self.step("dark")
        self.assert_accessible("compose at 360 px, dark")
        self.assertEqual(self.refused + self.csp_refusals(), [])


if __name__ == "__main__":
    ARTIFACT_DIR = sys.argv.pop(3)
    AXE_JS = sys.argv.pop(2)
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
