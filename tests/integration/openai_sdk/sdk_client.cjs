// Drives a running `polyvox serve` through the official `openai` npm SDK, unmodified, as any
// application would: one call per case given on the command line as JSON, the outcome printed
// as one JSON line per case (audio written to files, errors as the SDK's error class and status)
// for openai_test.py to check. Environment: POLYVOX_BASE_URL (…/v1), POLYVOX_API_KEY,
// OPENAI_SDK_DIR (where `npm ci` installed the pinned SDK), OUT_DIR.
'use strict';
const fs = require('fs');
const path = require('path');
const { OpenAI } = require(path.join(process.env.OPENAI_SDK_DIR, 'node_modules', 'openai'));

// maxRetries: 0 unless a case says (`max_retries`): every request once, so that each case's
// outcome is its own request's.
function client(apiKey, maxRetries) {
  return new OpenAI({
    baseURL: process.env.POLYVOX_BASE_URL,
    apiKey: apiKey || process.env.POLYVOX_API_KEY,
    maxRetries: maxRetries || 0,
    timeout: 120000,
  });
}

function describe(err) {
  return {
    ok: false,
    error_class: err && err.constructor ? err.constructor.name : String(err),
    api_error: err instanceof OpenAI.APIError,
    status: err && err.status,
    code: err && err.code,
    param: err && err.param,
    type: err && err.type,
    message: err && err.message,
  };
}

// Reads a streamed body chunk by chunk: milliseconds from the call to the first and last chunk.
async function readTimed(response, started) {
  const chunks = [];
  let first = null;
  for await (const chunk of response.body) {
    if (first === null) first = Date.now() - started;
    chunks.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(chunks), first_ms: first, total_ms: Date.now() - started };
}

async function run(c) {
  const api = client(c.api_key, c.max_retries);
  const started = Date.now();
  try {
    if (c.kind === 'models') {
      const ids = [];
      for await (const model of api.models.list()) ids.push(model.id);
      return { ok: true, ids };
    }
    const response = await api.audio.speech.create(c.params);
    const headers = {
      'content-type': response.headers.get('content-type'),
      'x-polyvox-job-id': response.headers.get('x-polyvox-job-id'),
    };
    const timed = await readTimed(response, started);
    const file = path.join(process.env.OUT_DIR, c.name + '.out');
    fs.writeFileSync(file, timed.bytes);
    return { ok: true, status: response.status, headers, file, bytes: timed.bytes.length,
             first_ms: timed.first_ms, total_ms: timed.total_ms };
  } catch (err) {
    return describe(err);
  }
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const c of cases) {
    const outcome = await run(c);
    process.stdout.write(JSON.stringify({ name: c.name, ...outcome }) + '\n');
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
