// Shared helpers for the browserless SDK tests: environment, a tiny cookie jar,
// an HTML form scraper, a driver for Sesame's hosted sign-in page, and a
// recorder that checks every HTTP request the SDK makes.
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';

/** The unpatched fetch; the test driver (playing the browser) uses this one. */
export const browserFetch = globalThis.fetch.bind(globalThis);

// ---------------------------------------------------------------------------
// Environment (set by e2e/logto/*_test.go)

export const env = {
  endpoint: process.env.SESAME_ENDPOINT, // e.g. http://localhost:3001
  appId: process.env.SESAME_APP_ID,
  appSecret: process.env.SESAME_APP_SECRET,
  redirectUri: process.env.SESAME_REDIRECT_URI, // registered on the app
  postLogoutRedirectUri: process.env.SESAME_POST_LOGOUT_REDIRECT_URI,
  username: process.env.SESAME_USERNAME,
  password: process.env.SESAME_PASSWORD,
  userId: process.env.SESAME_USER_ID,
  resource: process.env.SESAME_RESOURCE, // optional API resource indicator
  expressAppId: process.env.SESAME_EXPRESS_APP_ID,
  expressAppSecret: process.env.SESAME_EXPRESS_APP_SECRET,
  expressPort: Number(process.env.SESAME_EXPRESS_PORT ?? 0),
};

/** A reason to skip when the harness did not provide a Sesame server, or false. */
export const skipReason = (...keys) => {
  const missing = ['endpoint', ...keys].filter((key) => !env[key]);
  return missing.length > 0 ? `missing env: ${missing.join(', ')} (run via e2e/logto)` : false;
};

export const issuer = () => `${env.endpoint.replace(/\/+$/, '')}/oidc`;

// ---------------------------------------------------------------------------
// In-memory Storage for @logto/client

export class MemoryStorage {
  constructor() {
    this.data = new Map();
  }

  async getItem(key) {
    return this.data.has(key) ? this.data.get(key) : null;
  }

  async setItem(key, value) {
    this.data.set(key, value);
  }

  async removeItem(key) {
    this.data.delete(key);
  }
}

// ---------------------------------------------------------------------------
// Recording every HTTP request the SDK makes.
//
// @logto/node calls the global fetch at request time (discovery, token, userinfo,
// revocation); jose fetches the JWKS with node:http, which we observe through
// the http.client.response.finish diagnostics channel. The test driver itself
// uses `browserFetch`, which is not recorded.

export class RequestRecorder {
  constructor() {
    this.entries = [];
    this.originalFetch = undefined;
    this.onHttpResponse = ({ request, response }) => {
      const host = request.getHeader?.('host') ?? request.host;
      this.entries.push({
        via: 'node:http',
        method: request.method,
        url: `${request.protocol ?? 'http:'}//${host}${request.path}`,
        status: response.statusCode,
      });
    };
  }

  install() {
    this.originalFetch = globalThis.fetch;
    const original = this.originalFetch;
    globalThis.fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
      const entry = { via: 'fetch', method, url, status: undefined };
      this.entries.push(entry);
      try {
        const response = await original(input, init);
        entry.status = response.status;
        entry.contentType = response.headers.get('content-type');
        if (response.status >= 400) {
          entry.body = await response
            .clone()
            .text()
            .catch(() => '');
        }
        return response;
      } catch (error) {
        entry.error = String(error);
        throw error;
      }
    };
    diagnosticsChannel.subscribe('http.client.response.finish', this.onHttpResponse);
  }

  uninstall() {
    if (this.originalFetch) {
      globalThis.fetch = this.originalFetch;
      this.originalFetch = undefined;
    }
    diagnosticsChannel.unsubscribe('http.client.response.finish', this.onHttpResponse);
  }

  describe() {
    return this.entries
      .map(
        (e) =>
          `${e.via} ${e.method} ${e.url} -> ${e.status ?? e.error}` +
          (e.body ? ` body=${JSON.stringify(e.body.slice(0, 500))}` : '')
      )
      .join('\n');
  }

  /** Asserts every recorded request got a 2xx/3xx answer. */
  assertAllSucceeded(context = '') {
    const failed = this.entries.filter((e) => !(e.status >= 200 && e.status < 400));
    assert.equal(
      failed.length,
      0,
      `${context}: SDK HTTP requests that did not succeed:\n${failed
        .map((e) => `${e.method} ${e.url} -> ${e.status ?? e.error} ${e.body ?? ''}`)
        .join('\n')}\nall requests:\n${this.describe()}`
    );
  }

  /** Entries whose URL path (without query) equals `path`. */
  matching(path, method) {
    return this.entries.filter((e) => {
      const { pathname } = new URL(e.url);
      return pathname === path && (!method || e.method === method);
    });
  }
}

// ---------------------------------------------------------------------------
// A minimal cookie jar (per host, honours Path, Max-Age=0 / past Expires deletes)

export class CookieJar {
  constructor() {
    this.cookies = new Map(); // key host|path|name -> {host, path, name, value}
  }

  store(url, response) {
    const { host, pathname } = new URL(url);
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [rawKey, ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const attributeValue = rest.join('=').trim();
        if (key === 'path' && attributeValue) path = attributeValue;
        if (key === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key === 'expires' && Date.parse(attributeValue) < Date.now()) expired = true;
      }
      const key = `${host}|${path}|${name}`;
      if (expired) {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, { host, path, name, value });
      }
    }
  }

  header(url) {
    const { host, pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter(
        (c) =>
          c.host === host &&
          (pathname === c.path ||
            pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  names(url) {
    const { host } = new URL(url);
    return [...this.cookies.values()].filter((c) => c.host === host).map((c) => c.name);
  }
}

/**
 * A browser-like request: carries cookies, never follows redirects itself.
 * Returns {status, location (absolute), body, headers, url}.
 */
export const browserRequest = async (jar, url, { method = 'GET', form, origin } = {}) => {
  const headers = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
  let body;
  if (form && method === 'GET') {
    const target = new URL(url);
    for (const [k, v] of Object.entries(form)) target.searchParams.append(k, v);
    url = target.href;
  } else if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  if (origin && method !== 'GET') headers.origin = origin;
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const response = await browserFetch(url, { method, headers, body, redirect: 'manual' });
  jar.store(url, response);
  const location = response.headers.get('location');
  return {
    url,
    status: response.status,
    headers: response.headers,
    location: location ? new URL(location, url).href : undefined,
    body: await response.text(),
  };
};

// ---------------------------------------------------------------------------
// HTML form scraping

const decodeEntities = (s) =>
  s
    .replaceAll(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replaceAll(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

const parseAttributes = (tag) => {
  const attributes = {};
  const re = /([^\s=<>/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const inner = tag.replace(/^<\s*\w+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    attributes[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attributes;
};

/** All forms in the page: [{action (absolute), method, inputs: {name: value}, ids: Set}] */
export const parseForms = (html, baseUrl) => {
  const forms = [];
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const formTag = m[0].match(/<form\b[^>]*>/i)[0];
    const attributes = parseAttributes(formTag);
    const inputs = {};
    const ids = new Set();
    for (const input of m[1].matchAll(/<(input|button)\b[^>]*>/gi)) {
      const a = parseAttributes(input[0]);
      if (a.id) ids.add(a.id);
      if (input[1].toLowerCase() === 'button') continue;
      if (a.name && !['submit', 'button', 'image', 'reset'].includes((a.type ?? '').toLowerCase())) {
        inputs[a.name] = a.value ?? '';
      }
    }
    forms.push({
      action: new URL(attributes.action || baseUrl, baseUrl).href,
      method: (attributes.method || 'GET').toUpperCase(),
      inputs,
      ids,
      html: m[0],
    });
  }
  return forms;
};

// ---------------------------------------------------------------------------
// Driving Sesame's hosted pages like a browser

const MAX_HOPS = 15;

/**
 * Follows redirects from `url` until the Location starts with `stopPrefix`
 * (returned as {callbackUrl}) or a 200 page is reached (returned as {page}).
 * `trace` collects every hop for error messages.
 */
export const follow = async (jar, url, stopPrefix, trace, init) => {
  let current = url;
  let request = init;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (current.startsWith(stopPrefix)) return { callbackUrl: current, trace };
    const res = await browserRequest(jar, current, request);
    trace.push(`${request?.method ?? 'GET'} ${current} -> ${res.status}${res.location ? ` Location: ${res.location}` : ''}`);
    request = undefined;
    if (res.status >= 300 && res.status < 400 && res.location) {
      current = res.location;
      continue;
    }
    if (res.status !== 200) {
      throw new Error(`unexpected ${res.status} from ${current}: ${res.body.slice(0, 800)}\ntrace:\n${trace.join('\n')}`);
    }
    return { page: res, trace };
  }
  throw new Error(`too many redirects:\n${trace.join('\n')}`);
};

/** Returns the sign-in form on a page, or undefined. */
export const findSignInForm = (page) =>
  parseForms(page.body, page.url).find(
    (f) => f.ids.has('identifier') && f.ids.has('password') && 'identifier' in f.inputs && 'password' in f.inputs
  );

/**
 * Completes an authorization request the way a user would: follows the
 * authorization URL to Sesame's sign-in page, submits the credentials (with
 * the CSRF token and an Origin header) and follows redirects until the
 * browser would land on `redirectUri`. Returns the callback URL.
 * If `expectForm` is true (the default), reaching the redirect URI without
 * seeing the sign-in form is an error.
 */
export const signInThroughSesame = async (
  jar,
  authorizationUrl,
  redirectUri,
  { username = env.username, password = env.password, expectForm = true } = {}
) => {
  const trace = [];
  const first = await follow(jar, authorizationUrl, redirectUri, trace);
  if (first.callbackUrl) {
    if (expectForm) {
      throw new Error(`Sesame redirected back without asking for credentials:\n${trace.join('\n')}`);
    }
    return first.callbackUrl;
  }
  const { page } = first;
  assert.ok(
    page.url.startsWith(env.endpoint.replace(/\/+$/, '')),
    `sign-in page ${page.url} is not on the Sesame endpoint ${env.endpoint}`
  );
  const form = findSignInForm(page);
  assert.ok(form, `no sign-in form (#identifier, #password) on ${page.url}:\n${page.body.slice(0, 2000)}`);
  assert.equal(form.method, 'POST', 'sign-in form method');
  assert.ok('csrf_token' in form.inputs, `sign-in form has no csrf_token input:\n${form.html}`);
  const origin = new URL(env.endpoint).origin;
  const result = await follow(jar, form.action, redirectUri, trace, {
    method: 'POST',
    form: { ...form.inputs, identifier: username, password },
    origin,
  });
  if (!result.callbackUrl) {
    throw new Error(
      `sign-in did not redirect to ${redirectUri}; ended on ${result.page.url}:\n${result.page.body.slice(0, 1500)}\ntrace:\n${trace.join('\n')}`
    );
  }
  return result.callbackUrl;
};

/**
 * Follows an end-session URL like a browser: redirects are followed, and an
 * HTML page with a form (Logto's auto-submitting "op.logoutForm") is
 * submitted. Returns the final URL that starts with `postLogoutRedirectUri`.
 */
export const signOutThroughSesame = async (jar, endSessionUrl, postLogoutRedirectUri) => {
  const trace = [];
  let result = await follow(jar, endSessionUrl, postLogoutRedirectUri, trace);
  for (let i = 0; i < 3 && !result.callbackUrl; i++) {
    const forms = parseForms(result.page.body, result.page.url);
    if (forms.length !== 1) {
      throw new Error(
        `end-session page ${result.page.url} has ${forms.length} forms:\n${result.page.body.slice(0, 1500)}\ntrace:\n${trace.join('\n')}`
      );
    }
    const [form] = forms;
    result = await follow(jar, form.action, postLogoutRedirectUri, trace, {
      method: form.method,
      form: form.inputs,
      origin: new URL(env.endpoint).origin,
    });
  }
  if (!result.callbackUrl) {
    throw new Error(`sign-out did not reach ${postLogoutRedirectUri}:\n${trace.join('\n')}`);
  }
  return { url: result.callbackUrl, trace };
};

/** base64url JSON decode of a JWT part. */
export const decodeJwtPart = (jwt, index) =>
  JSON.parse(Buffer.from(jwt.split('.')[index], 'base64url').toString('utf8'));
