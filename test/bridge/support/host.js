'use strict';
// Starts the real host (the built Uni.Authorize.Host.dll) on a loopback port with a temporary SQLite data folder, and
// acts as its admin and as a user's browser (cookies + antiforgery token) against it.

const { before, after } = require('node:test');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const repo = path.resolve(__dirname, '..', '..', '..');
const ADMIN_KEY = crypto.randomBytes(16).toString('hex');
const PATIENCE_MS = 20000;

function hostDll() {
  if (process.env.UNI_AUTHORIZE_HOST_DLL) {
    return process.env.UNI_AUTHORIZE_HOST_DLL;
  }

  const dll = path.join(repo, 'src', 'Uni.Authorize.Host', 'bin', 'Release', 'net10.0', 'Uni.Authorize.Host.dll');
  if (!fs.existsSync(dll)) {
    const build = spawnSync('dotnet', ['build', path.join(repo, 'src', 'Uni.Authorize.Host'), '-c', 'Release', '--nologo', '-v', 'q'],
      { stdio: 'inherit' });
    if (build.status !== 0 || !fs.existsSync(dll)) {
      throw new Error('The host did not build: ' + dll + ' is missing (run dotnet build src/Uni.Authorize.Host -c Release).');
    }
  }

  return dll;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a host; settings are extra configuration keys (Host:PrivacyContracts:app:Name ...). */
async function startHost(settings = {}) {
  const dll = hostDll();
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'uni-bridge-test-'));
  const config = Object.assign({
    'Store:Provider': 'Sqlite',
    'Store:DataDirectory': data,
    'Host:AdminKey': ADMIN_KEY,
    'Authorize:PromptTimeout': '00:00:30',
    'Logging:LogLevel:Default': 'Warning',
  }, settings);
  const args = [dll, '--urls', `http://127.0.0.1:${port}`];
  for (const [key, value] of Object.entries(config)) {
    args.push(`--${key}=${value}`);
  }

  const child = spawn('dotnet', args, { cwd: path.dirname(dll), stdio: ['ignore', 'pipe', 'pipe'], env: Object.assign({}, process.env, { DOTNET_NOLOGO: '1' }) });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const kill = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.on('exit', kill);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error('The host exited at start:\n' + output);
    }

    try {
      const response = await fetch(base + '/healthz');
      if (response.ok) {
        break;
      }
    } catch (error) {
      // Not listening yet.
    }

    if (Date.now() > deadline) {
      kill();
      throw new Error('The host did not answer /healthz within 60 s:\n' + output);
    }

    await delay(200);
  }

  return {
    base,
    output: () => output,
    async stop() {
      kill();
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      fs.rmSync(data, { recursive: true, force: true });
    },
    async createApp(id, platform) {
      const response = await fetch(base + '/admin/v1/apps', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
        body: JSON.stringify({ id, name: 'Test app ' + id, platform }),
      });
      if (response.status !== 201) {
        throw new Error(`Creating app ${id} failed: ${response.status} ${await response.text()}`);
      }

      return response.json();
    },
    /** Registers an app's manifest (its app.json declarations) as the admin would. */
    async setManifest(appId, appJson) {
      const response = await fetch(base + `/admin/v1/apps/${encodeURIComponent(appId)}/manifest`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
        body: JSON.stringify(appJson),
      });
      if (response.status !== 200) {
        throw new Error(`Registering the manifest of ${appId} failed: ${response.status} ${await response.text()}`);
      }

      return response.json();
    },
    /** Calls the admin API with the admin key: { status, body }. */
    async admin(method, url, body) {
      const response = await fetch(base + '/admin/v1' + url, {
        method,
        headers: Object.assign({ 'x-admin-key': ADMIN_KEY }, body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    /** Ends a mini-app session as the admin would (the session's token stops working at once). */
    async revokeSession(token) {
      const response = await fetch(base + '/admin/v1/sessions/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
        body: JSON.stringify({ token }),
      });
      if (response.status !== 204) {
        throw new Error(`Revoking a session failed: ${response.status} ${await response.text()}`);
      }
    },
    /** A new app of the platform and a new signed-in user with a mini-app session of it. */
    async launch(platform, prefix = 'app-' + platform) {
      const appId = unique(prefix);
      const app = await this.createApp(appId, platform);
      const user = await this.browser(unique('user'));
      return { appId, app, user, token: await user.launch(appId) };
    },
    /** A browser of a signed-in user. */
    async browser(name) {
      const browser = new Browser(base);
      await browser.signIn(name);
      return browser;
    },
    /** The bridge script as the host serves it, evaluated as a CommonJS module. */
    async loadBridge() {
      const response = await fetch(base + '/bridge/uni-bridge.js');
      if (!response.ok) {
        throw new Error('GET /bridge/uni-bridge.js answered ' + response.status);
      }

      const module = { exports: {} };
      new Function('module', await response.text())(module);
      return module.exports;
    },
  };
}

function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') {
    return headers.getSetCookie();
  }

  const joined = headers.get('set-cookie');
  return joined ? joined.split(/,(?=\s*[^;,=\s]+=)/) : [];
}

/** What a person's browser does: keeps cookies and sends the antiforgery token on every state change. */
class Browser {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
    this.token = null;
  }

  async send(method, url, body) {
    const headers = { accept: 'application/json' };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }

    if (this.token && method !== 'GET') {
      headers['x-csrf-token'] = this.token;
    }

    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }

    const response = await fetch(this.base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const cookie of setCookies(response.headers)) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }

    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async refreshToken() {
    const answer = await this.send('GET', '/api/v1/user/antiforgery');
    this.token = answer.body.token;
  }

  async signIn(name) {
    await this.refreshToken();
    const answer = await this.send('POST', '/api/v1/user/sign-in', { name });
    if (answer.status !== 200) {
      throw new Error('Sign-in failed: ' + JSON.stringify(answer));
    }

    this.user = answer.body;
    await this.refreshToken();
  }

  /** Opens the app as this user: the session token a mini-app runs with. */
  async launch(appId) {
    const answer = await this.send('POST', `/api/v1/user/apps/${encodeURIComponent(appId)}/launch`);
    if (answer.status !== 200) {
      throw new Error('Launch failed: ' + JSON.stringify(answer));
    }

    return answer.body.token;
  }

  /** Waits for the next consent waiting for this user. */
  async nextConsent() {
    const deadline = Date.now() + PATIENCE_MS;
    while (Date.now() < deadline) {
      const answer = await this.send('GET', '/api/v1/user/consents?wait=2');
      if (answer.status !== 200) {
        throw new Error('Listing consents failed: ' + JSON.stringify(answer));
      }

      if (answer.body.consents.length > 0) {
        return answer.body.consents[0];
      }
    }

    throw new Error('No consent arrived within ' + PATIENCE_MS + ' ms.');
  }

  async pendingConsents() {
    return (await this.send('GET', '/api/v1/user/consents')).body.consents;
  }

  /** Answers a consent; 'denyDontAskAgain' is a refusal with Alipay's "don't ask again" box ticked. */
  async answer(consentId, answer) {
    const body = answer === 'denyDontAskAgain' ? { answer: 'deny', dontAskAgain: true } : { answer };
    const result = await this.send('POST', `/api/v1/user/consents/${encodeURIComponent(consentId)}/answer`, body);
    if (result.status !== 204) {
      throw new Error('Answering failed: ' + JSON.stringify(result));
    }
  }

  /** Waits for the next consent, checks which scopes it asks for, and answers it. */
  async answerNext(answer, expectedScopes) {
    const consent = await this.nextConsent();
    if (expectedScopes) {
      const names = consent.scopes.map((s) => s.name).sort();
      if (JSON.stringify(names) !== JSON.stringify([...expectedScopes].sort())) {
        throw new Error(`The consent asks for ${names.join(', ')}, not ${expectedScopes.join(', ')}.`);
      }
    }

    await this.answer(consent.id, answer);
    return consent;
  }

  async setSetting(appId, scope, state) {
    const result = await this.send('PUT', `/api/v1/user/apps/${encodeURIComponent(appId)}/settings`, { scope, state });
    if (result.status !== 200) {
      throw new Error('Changing a setting failed: ' + JSON.stringify(result));
    }

    return result.body;
  }
}

/** Calls fn(options) with success/fail/complete callbacks and resolves with what they received. */
function callback(fn, options = {}) {
  return new Promise((resolve) => {
    const seen = { calls: [] };
    fn(Object.assign({}, options, {
      success(res) { seen.calls.push('success'); seen.success = res; },
      fail(res) { seen.calls.push('fail'); seen.fail = res; },
      complete(res) { seen.calls.push('complete'); seen.complete = res; resolve(seen); },
    }));
  });
}

/** Settles a promise into { ok, value } so both outcomes can be compared. */
function settle(promise) {
  return promise.then((value) => ({ ok: true, value }), (value) => ({ ok: false, value }));
}

let counter = 0;
function unique(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** One host for a test file: started (with `settings`) before its tests and stopped after them; `ready` receives the
 * host and the bridge script it serves, and may prepare what every test of the file needs. */
function useHost(ready, settings) {
  let host;
  before(async () => {
    host = await startHost(settings);
    await ready(host, await host.loadBridge());
  });
  after(async () => {
    if (host) {
      await host.stop();
    }
  });
}

module.exports = { startHost, useHost, callback, settle, unique, delay };
