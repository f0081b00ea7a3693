// npm's s3rver behind a proxy that verifies AWS Signature Version 4, for the storage tests.
//
// s3rver 3.7.1 checks only the access key of SigV4 requests ("Signature version 4 calculation is
// unimplemented" in its authentication middleware), so this proxy does what S3 does before
// passing a request on: it recomputes the signature of header-signed and presigned requests
// from the secret (docs/providers.md), checks x-amz-content-sha256 against the body, the
// request time (15 minutes) and presigned expiry, and answers 403 SignatureDoesNotMatch /
// AccessDenied / XAmzContentSHA256Mismatch otherwise. Unsigned requests are refused (a private
// bucket).
//
//   node s3_server.js <node_modules dir> <data dir> [bucket]
// prints one JSON line {"url", "bucket", "access_key", "secret_key", "region", "port"} and serves
// until its stdin closes. Unsigned control requests: GET /__stats__ answers
// {"requests", "refused", "ranges"} (ranges: the Range headers received, in order); POST
// /__faults__ {"status": 503, "count": 1} makes the next requests fail with that status.
'use strict';

const crypto = require('crypto');
const http = require('http');
const path = require('path');

const [modulesDir, dataDir, bucket = 'polyvox-test'] = process.argv.slice(2);
const S3rver = require(path.resolve(modulesDir, 's3rver'));
const SECRETS = { S3RVER: 'S3RVER' };  // s3rver's default account
const REGION = 'us-east-1';
const stats = { requests: 0, refused: 0, ranges: [] };
const faults = [];

const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const encode = text =>
  encodeURIComponent(text).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function parseQuery(search) {
  if (!search) return [];
  return search.split('&').filter(Boolean).map(pair => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    return [decodeURIComponent(name), decodeURIComponent(value)];
  });
}

function amzTime(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

function signature(secret, date, region, stringToSign) {
  let key = hmac('AWS4' + secret, date);
  key = hmac(key, region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  return crypto.createHmac('sha256', key).update(stringToSign).digest('hex');
}

// null when the request is correctly signed, else [status, code, message].
function verify(req, body) {
  const url = new URL(req.url, 'http://placeholder');
  const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  let query = parseQuery(rawQuery);
  const q = Object.fromEntries(query);
  let credential, signedHeaders, provided, amzDate, payloadHash;
  if (req.headers.authorization) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), *SignedHeaders=([^,]+), *Signature=([0-9a-f]{64})$/
      .exec(req.headers.authorization);
    if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'];
    [, credential, signedHeaders, provided] = m;
    amzDate = req.headers['x-amz-date'];
    payloadHash = req.headers['x-amz-content-sha256'];
    if (!payloadHash) return [400, 'InvalidRequest', 'Missing x-amz-content-sha256'];
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) {
      return [400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does ' +
              'not match what was computed.'];
    }
    if (Math.abs(Date.now() - amzTime(amzDate)) > 15 * 60 * 1000 || isNaN(amzTime(amzDate))) {
      return [403, 'RequestTimeTooSkewed', 'The difference between the request time and the ' +
              'current time is too large.'];
    }
  } else if (q['X-Amz-Algorithm'] === 'AWS4-HMAC-SHA256') {
    credential = q['X-Amz-Credential'];
    signedHeaders = q['X-Amz-SignedHeaders'];
    provided = q['X-Amz-Signature'];
    amzDate = q['X-Amz-Date'];
    payloadHash = 'UNSIGNED-PAYLOAD';
    const expires = Number(q['X-Amz-Expires']);
    if (!credential || !signedHeaders || !provided || !(expires >= 1 && expires <= 604800)) {
      return [400, 'AuthorizationQueryParametersError', 'Incomplete presigned URL'];
    }
    if (Date.now() > amzTime(amzDate) + expires * 1000 || isNaN(amzTime(amzDate))) {
      return [403, 'AccessDenied', 'Request has expired'];
    }
    query = query.filter(([name]) => name !== 'X-Amz-Signature');
  } else {
    return [403, 'AccessDenied', 'Access Denied'];
  }
  const [accessKey, date, region, service, terminator] = credential.split('/');
  const secret = SECRETS[accessKey];
  if (secret === undefined) {
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  }
  if (region !== REGION || service !== 's3' || terminator !== 'aws4_request' ||
      date !== (amzDate || '').slice(0, 8)) {
    return [403, 'SignatureDoesNotMatch', 'Credential scope does not match'];
  }
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return [403, 'SignatureDoesNotMatch', 'host must be signed'];
  const missing = names.filter(name => req.headers[name] === undefined);
  if (missing.length) {
    return [403, 'SignatureDoesNotMatch', 'signed headers missing: ' + missing.join(', ')];
  }
  const canonicalHeaders = names.map(
    name => name + ':' + String(req.headers[name]).trim().replace(/\s+/g, ' ') + '\n');
  const canonicalPath = url.pathname.split('/').map(s => encode(decodeURIComponent(s))).join('/');
  const canonicalQuery = query.map(([n, v]) => [encode(n), encode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([n, v]) => n + '=' + v).join('&');
  const canonicalRequest = [req.method, canonicalPath, canonicalQuery, canonicalHeaders.join(''),
                            signedHeaders, payloadHash].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, [date, region, 's3', 'aws4_request'].join('/'),
                        sha256(canonicalRequest)].join('\n');
  if (signature(secret, date, region, stringToSign) !== provided) {
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match ' +
            'the signature you provided. Check your key and signing method.'];
  }
  return null;
}

async function main() {
  const s3rver = new S3rver({
    address: '127.0.0.1', port: 0, silent: true, directory: dataDir, vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const inner = await s3rver.run();
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/__stats__') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(stats));
      }
      if (req.url === '/__faults__' && req.method === 'POST') {
        const fault = JSON.parse(body.toString() || '{}');
        for (let i = 0; i < (fault.count || 1); i++) faults.push(fault.status || 503);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end('{"queued":true}');
      }
      stats.requests++;
      if (req.headers.range) stats.ranges.push(req.headers.range);
      const faultStatus = faults.shift();
      const refusal = faultStatus
        ? [faultStatus, faultStatus === 503 ? 'SlowDown' : 'InternalError', 'Injected fault']
        : verify(req, body);
      if (refusal) {
        stats.refused++;
        const [status, code, message] = refusal;
        const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code +
          '</Code><Message>' + message + '</Message></Error>';
        res.writeHead(status, { 'Content-Type': 'application/xml',
                                'Content-Length': Buffer.byteLength(xml) });
        return res.end(req.method === 'HEAD' ? undefined : xml);
      }
      const forward = http.request({ host: '127.0.0.1', port: inner.port, method: req.method,
                                     path: req.url, headers: req.headers }, answer => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => { res.writeHead(502); res.end(); });
      forward.end(body);
    });
  });
  proxy.keepAliveTimeout = 30000;
  proxy.listen(0, '127.0.0.1', () => {
    const port = proxy.address().port;
    process.stdout.write(JSON.stringify({
      url: 'http://127.0.0.1:' + port, bucket, access_key: 'S3RVER', secret_key: 'S3RVER',
      region: REGION, port }) + '\n');
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

main().catch(err => { console.error(err); process.exit(1); });
