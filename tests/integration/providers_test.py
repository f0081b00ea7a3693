#!/usr/bin/env python3
"""The cloud providers end to end through the real binary, against the in-repo mock vendors
(tests/support/mock_vendors.py): `polyvox voices` lists live voices, `polyvox synth` renders a job
mixing every cloud provider (configured by the seed's environment variables alone) and a local
one, a TOML file declares a second OpenAI-compatible server, unusable providers and vendor
failures are reported with their reason and never with a key."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mock_vendors  # noqa: E402

POLYVOX = None
PROVIDER_VARS = ["ELEVENLABS_API_KEY", "ELEVENLABS_BASE_URL", "ELEVENLABS_MODEL_ID",
                 "ELEVENLABS_OUTPUT_FORMAT", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                 "OPENAI_TTS_MODEL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "GHAYMAH_API_KEY",
                 "GHAYMAH_API_BASE_URL", "GHAYMAH_PRO_API_KEY", "GHAYMAH_PRO_API_BASE_URL",
                 "KOKORO_API_BASE_URL", "DIACRITIZER_URL", "POLYVOX_CONFIG", "DEFAULT_PROVIDER"]


class ProvidersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mocks = mock_vendors.make_all()
        cls.dir = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        for mock in cls.mocks.values():
            mock.stop()
        cls.dir.cleanup()

    def setUp(self):
        for mock in self.mocks.values():
            mock.reset()

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if k not in PROVIDER_VARS}
        env.update(mock_vendors.provider_env(self.mocks))
        env.pop("DIACRITIZER_URL", None)
        env.update(extra)
        return env

    def run_polyvox(self, args, env):
        # The working directory has no .env: only `env` configures the run.
        return subprocess.run([POLYVOX] + args, env=env, cwd=self.dir.name, capture_output=True,
                              text=True, timeout=120)

    def assert_no_key(self, *texts):
        for text in texts:
            for name, key in mock_vendors.DEFAULT_KEYS.items():
                self.assertNotIn(key, text, "the %s key leaked" % name)

    def synth(self, blocks, env, name="job"):
        job_path = os.path.join(self.dir.name, name + ".json")
        with open(job_path, "w", encoding="utf-8") as f:
            json.dump({"project_id": name, "blocks": blocks}, f, ensure_ascii=False)
        out = os.path.join(self.dir.name, name + ".mp3")
        manifest_path = os.path.join(self.dir.name, name + ".manifest.json")
        result = self.run_polyvox(["synth", job_path, "-o", out, "--manifest", manifest_path],
                                  env)
        manifest = None
        if result.returncode == 0:
            with open(manifest_path, encoding="utf-8") as f:
                manifest = json.load(f)
        return result, manifest

    def test_voices_lists_the_live_elevenlabs_voices(self):
        result = self.run_polyvox(["voices", "elevenlabs"], self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("rachel", result.stdout)
        self.assertIn("21m00Tcm4TlvDq8ikWAM", result.stdout)
        self.assertIn("Mock Narrator", result.stdout)  # only the live list has it
        log = self.mocks["elevenlabs"].requests()
        self.assertEqual([(r["method"], r["path"]) for r in log], [("GET", "/v1/voices")])
        self.assertEqual(log[0]["headers"]["xi-api-key"], self.mocks["elevenlabs"].key)

    def test_voices_fall_back_to_the_table_when_the_vendor_fails(self):
        self.mocks["elevenlabs"].fail_next("server_error", status=503)
        result = self.run_polyvox(["voices", "elevenlabs"], self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("rachel", result.stdout)
        self.assertNotIn("Mock Narrator", result.stdout)
        self.assert_no_key(result.stdout, result.stderr)

    def test_voices_of_every_configured_provider(self):
        result = self.run_polyvox(["voices"], self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        for expected in ("ar-SA-HamedNeural", "female-2", "nova", "kokoro"):
            self.assertIn(expected, result.stdout)

    def test_a_provider_without_its_key_is_unusable_with_the_reason(self):
        env = self.env()
        del env["OPENAI_API_KEY"]
        result = self.run_polyvox(["voices", "openai"], env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("OPENAI_API_KEY is not set", result.stderr)

        result, _ = self.synth([{"text": "Hello.", "provider": "openai", "voice": "alloy"}], env,
                               "unusable")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("OPENAI_API_KEY is not set", result.stderr)
        self.assertEqual(self.mocks["openai"].request_count(), 0)

    def test_synth_mixes_every_cloud_provider_and_a_local_one(self):
        blocks = [
            {"text": "Hello from ElevenLabs.", "provider": "elevenlabs", "voice": "rachel",
             "wait_after_ms": 200},
            {"text": "Hello from OpenAI.", "provider": "openai", "voice": "nova",
             "wait_after_ms": 300},
            {"text": "مرحبا من غيمة", "provider": "ghaymah", "voice": "ar-SA-HamedNeural",
             "wait_after_ms": 0},
            {"text": "مرحبا من غيمة برو", "provider": "ghaymah_pro", "voice": "female-1",
             "wait_after_ms": 100},
            {"text": "Hello from Kokoro.", "provider": "kokoro", "voice": "default",
             "wait_after_ms": 0},
            {"text": "And espeak.", "provider": "espeak", "voice": "en-us", "wait_after_ms": 0},
        ]
        result, manifest = self.synth(blocks, self.env(), "mixed")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_no_key(result.stdout, result.stderr)
        for name in ("elevenlabs", "openai", "ghaymah", "ghaymah_pro", "kokoro"):
            self.assertEqual(self.mocks[name].request_count(), 1, name)
        self.assertEqual(self.mocks["ghaymah_pro"].requests()[0]["json"]["voice"], "2")
        self.assertEqual(self.mocks["kokoro"].requests()[0]["json"]["voice_id"], "0")

        self.assertEqual([b["provider"] for b in manifest["blocks"]],
                         [b["provider"] for b in blocks])
        for block, entry in zip(blocks[:5], manifest["blocks"][:5]):
            expected = mock_vendors.speech_ms(block["text"])
            # The mocks' MP3s carry lame's Info tag, so decoding gives the tone's exact length;
            # the segment plan (audio/segment.h) then extends speech with silence so that speech
            # + pause fills whole MP3 frames with room for the encoder's delay and padding: by
            # less than 1152 + 1153 samples.
            self.assertGreaterEqual(entry["speech_ms"], expected - 1, block["provider"])
            self.assertLess(entry["speech_ms"], expected + 2305 / 44.1, block["provider"])
            self.assertEqual(entry["pause_ms"], block["wait_after_ms"])
        total = sum(e["speech_ms"] + e["pause_ms"] for e in manifest["blocks"])
        self.assertAlmostEqual(manifest["duration_ms"], total, delta=5)

    def test_a_config_file_declares_a_second_openai_compatible_server(self):
        config = os.path.join(self.dir.name, "polyvox.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write('[providers.studio]\nkind = "openai"\nbase_url = "%s"\n'
                    'api_key_env = "STUDIO_KEY"\nmodel = "tts-1-hd"\n'
                    'voices = { narrator = "onyx" }\n' % self.mocks["openai"].url)
        env = self.env(POLYVOX_CONFIG=config, STUDIO_KEY=self.mocks["openai"].key)
        result, manifest = self.synth(
            [{"text": "From the studio server.", "provider": "studio", "voice": "narrator"}], env,
            "studio")
        self.assertEqual(result.returncode, 0, result.stderr)
        request = self.mocks["openai"].requests()[0]
        self.assertEqual(request["json"]["model"], "tts-1-hd")
        self.assertEqual(request["json"]["voice"], "onyx")
        self.assertEqual(manifest["blocks"][0]["provider"], "studio")

        with open(config, "w", encoding="utf-8") as f:
            f.write('[providers.openai]\napi_key = "sk-in-the-file"\n')
        result = self.run_polyvox(["voices"], env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("api_key_env", result.stderr)

    def test_a_vendor_failure_is_reported_with_its_message_and_no_key(self):
        self.mocks["elevenlabs"].fail_next("quota", count=5)
        result, _ = self.synth([{"text": "Hello.", "provider": "elevenlabs", "voice": "rachel"}],
                               self.env(), "quota")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("quota_exceeded", result.stdout + result.stderr)
        self.assert_no_key(result.stdout, result.stderr)


if __name__ == "__main__":
    POLYVOX = sys.argv.pop(1)
    unittest.main()
