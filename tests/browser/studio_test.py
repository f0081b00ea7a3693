#!/usr/bin/env python3
"""The studio in a real browser: Debian's Chromium, headless, driven by Debian's chromedriver and
python3-selenium, against a real `polyvox serve` on 127.0.0.1. Signs in, composes three blocks
(espeak, flite, an Arabic block), reorders by keyboard only, sees a validation error on its
block, submits, sees every block done, plays the progressive stream (the audio element's
currentTime advances), downloads the file and checks it with ffprobe, exports the script as a
job and imports another; axe-core (npm, pinned)
finds no violation on the sign-in and compose views. Measures the first load's weight as
served and the time to a usable compose view. A screenshot is taken after each step; they are
kept (with the page's HTML) in ARTIFACT_DIR only when the test fails.

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

BINARY = AXE_JS = ARTIFACT_DIR = None
FIRST_LOAD_LIMIT = 300 * 1024
USABLE_LIMIT_MS = 1000
ARABIC = "مرحبا بكم في الاستوديو"


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
        self.base = f"http://127.0.0.1:{self.server.port}"

    def tearDown(self):
        failed = not self._outcome.success
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
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            lambda d: condition(), message=f"waited {timeout} s for {what}")

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def blocks(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#blocks > li")

    def axe_violations(self):
        with open(AXE_JS, encoding="utf-8") as f:
            self.driver.execute_script(f.read())
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            "  .then(r => done(r.violations.map(v => ({id: v.id, help: v.help,"
            "    nodes: v.nodes.map(n => n.target.join(' '))}))));")

    def assert_accessible(self, view):
        violations = self.axe_violations()
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
        self.assertLessEqual(usable_ms, USABLE_LIMIT_MS)
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

        # Render: every block reaches done, live.
        self.by_id("render").click()
        self.wait(lambda: self.by_id("block-status").find_elements(By.TAG_NAME, "li"),
                  what="the block statuses")
        self.wait(lambda: [li.get_attribute("data-status") for li in
                           self.by_id("block-status").find_elements(By.TAG_NAME, "li")]
                  == ["done"] * 3, timeout=120, what="every block done")
        self.wait(lambda: self.by_id("download").is_displayed(), timeout=60,
                  what="the download link")
        self.assertIn("completed", self.by_id("job-status").text)
        self.step("rendered")

        # Play: the audio element's time advances.
        driver.execute_script("document.getElementById('player').play();")
        self.wait(lambda: driver.execute_script(
            "return document.getElementById('player').currentTime;") > 0.3, timeout=30,
            what="the audio to play")
        self.step("playing")

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

        # Export the script as a job, import another one.
        self.by_id("export").click()
        exported = os.path.join(self.downloads, "polyvox-script.json")
        self.wait(lambda: os.path.exists(exported), timeout=30, what="the exported script")
        with open(exported, encoding="utf-8") as f:
            job = json.load(f)
        self.assertEqual([b["text"] for b in job["blocks"]], expected)
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


if __name__ == "__main__":
    ARTIFACT_DIR = sys.argv.pop(3)
    AXE_JS = sys.argv.pop(2)
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
