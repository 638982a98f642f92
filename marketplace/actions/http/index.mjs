import { ActionError, getInput, info, run, setOutput, warning } from './lib/io.mjs';
import { checkCondition, parseCondition } from './lib/conditions.mjs';
import { getJsonPath, jsonValueText, lookupJsonPath } from './lib/json-path.mjs';

// Below the agent's 1 MiB limit per output value, leaving room for the other outputs.
const MAX_BODY_OUTPUT_BYTES = 512 * 1024;

/** The first `limit` bytes of `text`, cut at a character boundary. */
function truncateUtf8(text, limit) {
  const bytes = Buffer.from(text);
  if (bytes.length <= limit) return { text, truncated: false };
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

function redactUrl(url) {
  const u = new URL(url);
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  return u.toString();
}

function parseUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new ActionError(
      `input "url" is not a valid URL: ${JSON.stringify(text.slice(0, 200))}; write it like https://example.com/api/items`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ActionError(`input "url" must use http:// or https://, got ${url.protocol}`);
  return url;
}

/** `2xx,304` → a predicate on status codes. */
function statusMatcher(spec) {
  const parts = spec
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (parts.length === 0) throw new ActionError('input "expected-status" is empty: give codes like "200" or "2xx,304"');
  for (const p of parts) {
    if (!/^[1-5](\d\d|xx)$/.test(p))
      throw new ActionError(`input "expected-status" has "${p}", which is not a status code (200) or class (2xx)`);
  }
  return (status) => parts.some((p) => (p.endsWith('xx') ? String(status)[0] === p[0] : Number(p) === status));
}

function requestBody(body, headers) {
  if (body === undefined) return undefined;
  const trimmed = body.trimStart();
  if (
    (trimmed.startsWith('{') || trimmed.startsWith('[')) &&
    !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
  ) {
    try {
      JSON.parse(body);
      headers['content-type'] = 'application/json';
    } catch {
      // Not JSON after all: sent as it is, without a content type.
    }
  }
  return body;
}

function networkError(err, method, url, timeout) {
  const safe = redactUrl(url);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new ActionError(`${method} ${safe} got no response within ${timeout}s: raise "timeout" or check the server`);
  }
  const code = err.cause?.code ?? err.code;
  const reason = String(err.cause?.message ?? err.message).replaceAll(String(url), safe);
  const hint =
    code === 'ECONNREFUSED'
      ? 'nothing listens there: is the server running and the port right?'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve: check the URL'
        : 'check the URL and that the server is reachable from where the step runs';
  return new ActionError(`${method} ${safe} failed: could not connect (${code ?? reason}): ${hint}`);
}

/** Credentials in the URL (`https://user:pass@host`) become a basic Authorization header, as curl does. */
function moveCredentials(url, headers) {
  if (!url.username && !url.password) return url;
  const plain = new URL(url);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  plain.username = '';
  plain.password = '';
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return plain;
}

run(async () => {
  const givenUrl = parseUrl(getInput('url', { required: true }));
  const method = getInput('method', {
    default: 'GET',
    enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  });
  const headers = { ...getInput('headers', { type: 'object', default: {} }) };
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new ActionError(`header "${k}" must be a string, got ${typeof v}`);
    headers[k] = String(v);
  }
  const body = requestBody(getInput('body'), headers);
  const accepts = getInput('expected-status', { default: '2xx' });
  const isExpected = statusMatcher(accepts);
  const conditions = getInput('asserts', { type: 'string[]', default: [] }).map(parseCondition);
  const extract = getInput('extract', { type: 'object', default: {} });
  for (const [name, path] of Object.entries(extract)) {
    if (typeof path !== 'string') throw new ActionError(`extract "${name}" must be a JSON path string like $.data.id`);
  }
  const timeout = getInput('timeout', { type: 'number', default: 30, min: 0.001 });
  const url = moveCredentials(givenUrl, headers);

  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(timeout * 1000),
      redirect: 'follow',
    });
  } catch (err) {
    throw networkError(err, method, url, timeout);
  }
  const text = await response.text();
  info(`${method} ${redactUrl(url)} -> ${response.status} ${response.statusText} (${Buffer.byteLength(text)} bytes)`);

  setOutput('status', response.status);
  setOutput('headers', Object.fromEntries(response.headers));
  const bodyOutput = truncateUtf8(text, MAX_BODY_OUTPUT_BYTES);
  if (bodyOutput.truncated)
    warning(
      `the response body is ${Buffer.byteLength(text)} bytes: the "body" output keeps its first ${MAX_BODY_OUTPUT_BYTES} bytes (asserts and extract read all of it)`,
    );
  setOutput('body', bodyOutput.text);

  if (!isExpected(response.status)) {
    const excerpt = text.slice(0, 300).replace(/\s+/g, ' ');
    throw new ActionError(
      `${method} ${redactUrl(url)} returned ${response.status}, expected ${accepts}${excerpt ? `; body starts: ${excerpt}` : ''}`,
    );
  }

  let json;
  const needsJson = Object.keys(extract).length > 0 || conditions.some((c) => c.left.startsWith('$'));
  if (needsJson) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ActionError(
        `the response body of ${method} ${redactUrl(url)} is not JSON, so JSON paths cannot be read; body starts: ${text.slice(0, 200)}`,
      );
    }
  }

  const failures = [];
  for (const c of conditions) {
    let actual;
    if (c.left === 'status') actual = response.status;
    else if (c.left === 'body') actual = text;
    else if (c.left.startsWith('$')) {
      const found = lookupJsonPath(json, c.left);
      actual = found.found ? found.value : undefined;
    } else {
      throw new ActionError(`assert "${c.source}": the left side must be a JSON path ($.x), status or body`);
    }
    const why = checkCondition(actual, c.op, c.right);
    if (why) failures.push(`assert "${c.source}" failed: ${why}`);
    else info(`assert "${c.source}" holds`);
  }
  for (const [name, path] of Object.entries(extract)) setOutput(name, jsonValueText(getJsonPath(json, path)));
  if (failures.length > 0) throw new ActionError(failures.join('; '));
});
