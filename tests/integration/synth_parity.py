"""`polyvox synth` against the service: one job rendered both ways with the same environment, for
tests that check they make the same file and manifest (synth runs the service's pipeline).

One block at a time on both sides (WORKER_CONCURRENCY=1, `--concurrency 1`): espeak-ng keeps
state between utterances inside the library (its pitch flutter and wave generator), so what it
says for a text depends, by a few milliseconds, on what it said before; the same order of blocks
gives the same history."""
import json
import os
import subprocess
import tempfile

from polyvox_server import Server


def service_and_synth(binary, job, **env):
    """Renders `job` through POST /tts on a fresh server (its own data directory, so neither side
    is served from the other's cache) and through `polyvox synth`, with `env` (variable -> value)
    on both sides. Returns ((manifest, audio bytes) of the service, (manifest, audio bytes) of
    synth); raises AssertionError naming what failed."""
    env = {k: str(v) for k, v in env.items()}
    env["WORKER_CONCURRENCY"] = "1"
    output_format = job.get("output_format", "mp3")
    server = Server(binary, **env).start()
    try:
        token = server.login()
        job_id = server.submit(token, job)
        status = server.wait_for(token, job_id, timeout=180)
        assert status["status"] == "completed", status
        result = server.request("GET", f"/result/{job_id}", token=token).json()
        audio = server.request("GET", f"/result/{job_id}/audio", token=token, timeout=60)
        assert audio.status == 200, audio
    finally:
        server.close()
    with tempfile.TemporaryDirectory() as work:
        job_path = os.path.join(work, "job.json")
        with open(job_path, "w", encoding="utf-8") as f:
            json.dump(job, f, ensure_ascii=False)
        out = os.path.join(work, "synth." + output_format)
        manifest_path = os.path.join(work, "synth.json")
        done = subprocess.run(
            [binary, "synth", job_path, "-o", out, "--format", output_format, "--manifest",
             manifest_path, "--concurrency", "1"],
            env=dict(os.environ, POLYVOX_DATA_DIR=work, **env), capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        with open(out, "rb") as f:
            synth_audio = f.read()
        with open(manifest_path, encoding="utf-8") as f:
            synth_manifest = json.load(f)
    return (result["manifest"], audio.body), (synth_manifest, synth_audio)
