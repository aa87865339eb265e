/*
 * Uni.Authorize mini-program bridge.
 *
 * Installs the authorization API of one mini-program platform (wx, my, tt, swan or ks) for one mini-app session of
 * a Uni.Authorize host, so that mini-app code written for that platform runs unchanged. Plain JavaScript with no
 * build step: load it with require() or vm in Node 20+ (global fetch), or with importScripts() in a Web Worker.
 *
 *   const wx = UniBridge.install({ host: 'http://127.0.0.1:5080', token: 'st_...', platform: 'wechat' });
 *   wx.authorize({ scope: 'scope.userLocation', success() {}, fail(res) {} });
 *
 * Consents are answered by the user in the host's consent page, never by the bridge. Native payloads come from the
 * host; the bridge builds only its own failures (timeout, transport, not supported, a provider's cancel…) in the
 * platform's shape.
 *
 * The bridge holds no platform table of its own: each platform's APIs, their scopes and kinds, its global and its
 * failure payloads come from the host's catalog (GET /api/v1/scopes). The host writes that catalog into the script it
 * serves at /bridge/uni-bridge.js, so install stays synchronous; this file as it is in the source tree has none, and
 * then install needs options.catalog (UniBridge.loadCatalog fetches it) or connect, which fetches it itself.
 */
(function (root, factory) {
  'use strict';
  const bridge = factory();
  if (typeof module === 'object' && module !== null && module.exports) {
    module.exports = bridge;
  } else {
    root.UniBridge = bridge;
  }
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  const VERSION = '1.1.0';
  // The host's catalog, written here by the host that serves this script; null in the source tree.
  const EMBEDDED = deepFreeze(/* uni-authorize:catalog */ null);
  const DEFAULT_TIMEOUT_MS = 130000;
  const MAX_WAIT_SECONDS = 25;
  const PRIVACY_ERRNO = 104;

  /** A failure of the bridge itself: the host was unreachable, refused the session, or the wait ran out. */
  class BridgeError extends Error {
    constructor(kind, message, status, code) {
      super(message);
      this.name = 'BridgeError';
      this.kind = kind;
      this.status = status;
      this.code = code;
    }
  }

  // The calls whose body is the scope: a body over the host's limit is an invalid scope, as a long scope is.
  const SCOPE_CALLS = Object.freeze(['authorize', 'getAuthCode', 'authorizeForMiniProgram']);
  // What a provider may fail with; the catalog gives each platform's payload for it.
  const PROVIDER_REASONS = Object.freeze(['cancel', 'systemDenied', 'unavailable']);
  // Provided APIs the catalog does not list are installed as the platforms shape them: create*, get*Manager, *Sync and
  // on*/off* return at once (an audio context, a listener registration); every other name takes callbacks.
  const SYNCHRONOUS = /^(create[A-Z]|get\w*Manager$|on[A-Z]|off[A-Z])|Sync$/;
  const RECORDER_EVENTS = ['Start', 'Stop', 'Pause', 'Resume', 'Error', 'FrameRecorded', 'InterruptionBegin', 'InterruptionEnd'];
  // A window wrappers can divide by (375 is the width mini-program layouts are drawn for); install's systemInfo overrides it.
  const DEFAULT_WINDOW = Object.freeze({ pixelRatio: 2, screenWidth: 375, screenHeight: 667, windowWidth: 375, windowHeight: 667, statusBarHeight: 20 });

  function deepFreeze(value) {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
      Object.freeze(value);
      Object.values(value).forEach(deepFreeze);
    }

    return value;
  }

  /** The catalog entries by platform: from an array (GET /api/v1/scopes) or one platform's entry. */
  function indexCatalog(catalog) {
    const entries = Array.isArray(catalog) ? catalog : isObject(catalog) ? [catalog] : [];
    const byPlatform = {};
    for (const entry of entries) {
      if (isObject(entry) && typeof entry.platform === 'string' && typeof entry.global === 'string' && Array.isArray(entry.apis)
        && isObject(entry.failures)) {
        byPlatform[entry.platform] = entry;
      }
    }

    return byPlatform;
  }

  function globalsOf(byPlatform) {
    const globals = {};
    for (const [platform, entry] of Object.entries(byPlatform)) {
      globals[platform] = entry.global;
    }

    return Object.freeze(globals);
  }

  /** A failure in the platform's shape: the catalog's payload for the kind, with the API's name put in. */
  function failureOf(entry, api, kind) {
    const template = entry.failures[kind] || entry.failures.system || {};
    const payload = {};
    for (const [key, value] of Object.entries(template)) {
      payload[key] = typeof value === 'string' ? value.split('{api}').join(api) : value;
    }

    return payload;
  }

  /** What a provider throws, or returns through context.fail, to fail the platform's way. */
  class ProviderFailure extends Error {
    constructor(reason, message) {
      super(message || reason);
      this.name = 'ProviderFailure';
      this.reason = reason;
    }
  }

  function reasonOf(value) {
    return isObject(value) && PROVIDER_REASONS.includes(value.reason) ? value.reason : null;
  }

  /** Whether the host refused the request itself as malformed (400) or as larger than its body limit (413). */
  function isRefusedInput(error) {
    return error instanceof BridgeError && (error.status === 400 || error.status === 413);
  }

  function kindOf(error, api) {
    if (!(error instanceof BridgeError)) {
      return 'system';
    }

    if (error.kind === 'timeout') {
      return 'timeout';
    }

    // The host refuses malformed calls (no scope, a scope that is not a string) with 400, and bodies over its limit with
    // 413: the caller's input, never a system error.
    if (error.status === 413 && SCOPE_CALLS.includes(api)) {
      return 'invalidScope';
    }

    return isRefusedInput(error) ? 'invalidParam' : 'system';
  }

  /** Talks to the host's mini-app API with the session token; long-polls calls that wait for the user. */
  function createClient(config) {
    const base = config.host.replace(/\/+$/, '');
    const fetchImpl = config.fetch || globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new TypeError('UniBridge needs fetch: use Node 20+ or a browser worker, or pass options.fetch.');
    }

    async function request(method, path, body, signal) {
      const headers = { authorization: 'Bearer ' + config.token, accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
      }

      let response;
      try {
        response = await fetchImpl(base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (error) {
        if (signal && signal.aborted) {
          throw new BridgeError('timeout', 'No answer from the user before the timeout.');
        }

        throw new BridgeError('network', 'The host is unreachable: ' + (error && error.message));
      }

      let json = null;
      let text;
      try {
        text = await response.text();
      } catch (error) {
        throw signal && signal.aborted
          ? new BridgeError('timeout', 'No answer from the user before the timeout.')
          : new BridgeError('network', 'The host closed the connection: ' + (error && error.message));
      }

      if (text) {
        try {
          json = JSON.parse(text);
        } catch (error) {
          throw new BridgeError('protocol', 'The host answered with something other than JSON.', response.status);
        }
      }

      if (!response.ok) {
        const detail = (json && (json.detail || json.title)) || 'HTTP ' + response.status;
        throw new BridgeError('http', detail, response.status, json && json.code);
      }

      return { status: response.status, body: json };
    }

    // The longest long poll the host accepts; a host configured for less refuses with invalid_wait before starting
    // anything, and the bridge asks again with half.
    let maxWait = MAX_WAIT_SECONDS;

    async function longPoll(method, path, body, signal, remainingMs) {
      for (;;) {
        const wait = Math.max(1, Math.min(maxWait, Math.ceil(remainingMs() / 1000)));
        try {
          return await request(method, path + '?wait=' + wait, body, signal);
        } catch (error) {
          if (!(error instanceof BridgeError) || error.code !== 'invalid_wait' || maxWait === 1) {
            throw error;
          }

          maxWait = Math.max(1, Math.floor(Math.min(maxWait, wait) / 2));
        }
      }
    }

    /** Runs a call that may wait for the user's answer: 202 answers are polled until done or until the deadline. */
    async function decide(method, path, body, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const controller = typeof AbortController === 'function' ? new AbortController() : null;
      const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
      const remainingMs = () => deadline - Date.now();
      const signal = controller ? controller.signal : undefined;
      let pollUrl = null;
      try {
        let answer = await longPoll(method, path, body, signal, remainingMs);
        while (answer.status === 202 && answer.body && answer.body.status === 'pending') {
          pollUrl = answer.body.pollUrl;
          if (Date.now() >= deadline) {
            throw new BridgeError('timeout', 'No answer from the user before the timeout.');
          }

          answer = await longPoll('GET', pollUrl, undefined, signal, remainingMs);
        }

        pollUrl = null;
        return answer.body;
      } finally {
        if (timer !== null) {
          clearTimeout(timer);
        }

        if (pollUrl !== null) {
          // Nobody waits for this call any more: withdraw it, so that its consent leaves the user's list.
          request('DELETE', pollUrl).catch(() => {});
        }
      }
    }

    return {
      get: (path) => request('GET', path).then((r) => r.body),
      post: (path, body) => request('POST', path, body).then((r) => r.body),
      decide,
    };
  }

  function isObject(value) {
    return typeof value === 'object' && value !== null;
  }

  /**
   * The platforms' calling convention: success or fail, then complete, each once and asynchronously; a promise when the
   * caller passed no callback. A throwing callback is reported and does not stop complete.
   */
  function callStyle(report) {
    function safely(callback, payload) {
      if (typeof callback !== 'function') {
        return;
      }

      try {
        callback(payload);
      } catch (error) {
        report(error);
      }
    }

    return function invoke(options, run) {
      const opts = isObject(options) ? options : {};
      const wantsPromise = typeof opts.success !== 'function' && typeof opts.fail !== 'function' && typeof opts.complete !== 'function';
      const settled = Promise.resolve()
        .then(() => run(opts))
        .then((outcome) => {
          safely(outcome.ok ? opts.success : opts.fail, outcome.payload);
          safely(opts.complete, outcome.payload);
          return outcome;
        });
      if (wantsPromise) {
        return settled.then((outcome) => (outcome.ok ? outcome.payload : Promise.reject(outcome.payload)));
      }

      settled.catch(report);
      return undefined;
    };
  }

  function createApi(config, entry) {
    const platform = config.platform;
    const failure = (api, kind) => failureOf(entry, api, kind);
    const known = new Map(entry.apis.map((info) => [info.name, info]));
    // The members of an object the catalog names as Object.member (CameraContext.takePhoto).
    const membersOf = (owner) => [...known.keys()].filter((name) => name.startsWith(owner + '.')).map((name) => name.slice(owner.length + 1));
    const client = createClient(config);
    const fetchImpl = config.fetch || globalThis.fetch;
    const ui = isObject(config.ui) ? config.ui : {};
    const timeoutMs = config.timeout > 0 ? config.timeout : DEFAULT_TIMEOUT_MS;
    const report = typeof config.onError === 'function'
      ? config.onError
      : (error) => {
          if (typeof console !== 'undefined') {
            console.error('[uni-bridge]', error);
          }
        };
    const invoke = callStyle(report);
    let privacyListener = null;

    const ok = (payload) => ({ ok: true, payload });
    const fail = (payload) => ({ ok: false, payload });
    const fromCall = (answer) => ({ ok: answer.status === 'ok', payload: answer.native });

    /** Wraps a run so that bridge errors become the platform's failure payload for that API. */
    function guarded(api, run) {
      return async (opts) => {
        try {
          return await run(opts);
        } catch (error) {
          if (!(error instanceof BridgeError) || (error.kind !== 'timeout' && !isRefusedInput(error))) {
            report(error);
          }

          return fail(failure(api, kindOf(error, api)));
        }
      };
    }

    function call(api, options, run) {
      return invoke(options, guarded(api, run));
    }

    // WeChat's privacy agreement: the mini-app's own explanation (onNeedPrivacyAuthorization) may come first and pass
    // on the user's choice; an agreement is then asked of the host, whose consent page the user answers. The mini-app
    // can refuse on the user's behalf, never agree.
    function listenerAgrees(referrer) {
      const listener = privacyListener;
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        const settle = (agreed) => {
          clearTimeout(timer);
          resolve(agreed);
        };
        try {
          listener((result) => {
            if (isObject(result) && result.event === 'exposureAuthorization') {
              return; // The explanation is on screen; the choice comes later.
            }

            settle(isObject(result) && result.event === 'agree');
          }, { referrer });
        } catch (error) {
          report(error);
          settle(false);
        }
      });
    }

    async function askPrivacy(referrer) {
      if (typeof privacyListener === 'function' && !(await listenerAgrees(referrer))) {
        return fail({ errno: PRIVACY_ERRNO, errMsg: referrer + ':fail privacy permission is not authorized' });
      }

      return fromCall(await client.decide('POST', '/api/v1/privacy/authorize', undefined, timeoutMs));
    }

    async function withPrivacy(api, attempt) {
      const first = await attempt();
      if (platform !== 'wechat' || first.status !== 'fail' || !isObject(first.native) || first.native.errno !== PRIVACY_ERRNO) {
        return fromCall(first);
      }

      // A refused call is retried once after the user agreed to the contract.
      return (await askPrivacy(api)).ok ? fromCall(await attempt()) : fromCall(first);
    }

    function authorize(options) {
      return call('authorize', options, (opts) =>
        withPrivacy('authorize', () => client.decide('POST', '/api/v1/authorize', { scope: opts.scope }, timeoutMs)));
    }

    function getSetting(options) {
      return call('getSetting', options, async () => ok((await client.get('/api/v1/settings')).native));
    }

    function openSetting(options) {
      return call('openSetting', options, async () => {
        const opened = await client.post('/api/v1/settings/open');
        if (typeof ui.openSetting === 'function' && opened.settingsUrl) {
          // The user changes switches in the host's settings page; the answer is the settings after it closes.
          await ui.openSetting(new URL(opened.settingsUrl, config.host).href);
          return ok((await client.post('/api/v1/settings/open')).native);
        }

        return ok(opened.native);
      });
    }

    function login(options) {
      return call('login', options, async () => {
        const issued = await client.post('/api/v1/login');
        switch (platform) {
          case 'bytedance':
            return ok({ errMsg: issued.errMsg, code: issued.code, anonymousCode: issued.anonymousCode, isLogin: true });
          case 'kuaishou':
            return ok({ code: issued.code });
          default:
            return ok({ errMsg: issued.errMsg, code: issued.code });
        }
      });
    }

    // The platforms' checkSession asks whether the login state (session_key) still holds; here that state is the
    // mini-app session itself: valid while the host accepts its token.
    function checkSession(options) {
      return call('checkSession', options, async () => {
        try {
          await client.get('/api/v1/session');
        } catch (error) {
          if (error instanceof BridgeError && error.status === 401) {
            return fail(failure('checkSession', 'sessionExpired'));
          }

          throw error;
        }

        return ok(platform === 'kuaishou' ? {} : { errMsg: 'checkSession:ok' });
      });
    }

    function showToast(options) {
      return call('showToast', options, async (opts) => {
        if (typeof ui.showToast !== 'function') {
          return fail(failure('showToast', 'notSupported'));
        }

        await ui.showToast({ title: opts.title, icon: opts.icon, duration: opts.duration });
        return ok(platform === 'alipay' ? {} : { errMsg: 'showToast:ok' });
      });
    }

    function request(options) {
      const opts = isObject(options) ? options : {};
      const controller = typeof AbortController === 'function' ? new AbortController() : null;
      // request answers through its callbacks and returns a task, never a promise (as wx.request does).
      const pending = call('request', opts, async () => {
        const method = (opts.method || 'GET').toUpperCase();
        let url = String(opts.url || '');
        let body;
        if (opts.data !== undefined && opts.data !== null) {
          if (method === 'GET' && isObject(opts.data)) {
            const query = new URLSearchParams(opts.data).toString();
            url += (url.includes('?') ? '&' : '?') + query;
          } else {
            body = typeof opts.data === 'string' || opts.data instanceof ArrayBuffer ? opts.data : JSON.stringify(opts.data);
          }
        }

        let response;
        try {
          response = await fetchImpl(url, { method, headers: opts.header || {}, body, signal: controller ? controller.signal : undefined });
        } catch (error) {
          return fail({ errMsg: 'request:fail ' + (error && error.message) });
        }

        const text = await response.text();
        let data = text;
        if ((opts.dataType || 'json') === 'json') {
          try {
            data = JSON.parse(text);
          } catch (error) {
            data = text;
          }
        }

        const header = {};
        response.headers.forEach((value, key) => {
          header[key] = value;
        });
        return ok({ data, statusCode: response.status, header, errMsg: 'request:ok' });
      });
      if (pending) {
        pending.catch(() => {});
      }

      return { abort: () => controller && controller.abort() };
    }

    // Wrapper libraries read this at load time and divide by the window's width (rpx to px): the bridge has no screen of
    // its own, so it reports a phone-sized window (375 x 667) unless the page running it passes its own in
    // options.systemInfo.
    function getSystemInfoSync() {
      const runtime = typeof process === 'object' && process && process.versions && process.versions.node ? 'node' : 'worker';
      return Object.assign({
        brand: 'uni-bridge',
        model: 'uni-bridge',
        platform: runtime,
        system: runtime,
        version: VERSION,
        SDKVersion: VERSION,
        language: 'zh_CN',
      }, DEFAULT_WINDOW, isObject(config.systemInfo) ? config.systemInfo : {});
    }

    function getSystemInfo(options) {
      return call('getSystemInfo', options, async () =>
        ok(platform === 'alipay' ? getSystemInfoSync() : Object.assign(getSystemInfoSync(), { errMsg: 'getSystemInfo:ok' })));
    }

    const providers = isObject(config.providers) ? config.providers : {};
    const failWith = (reason, message) => new ProviderFailure(reason, message);

    // Success payloads: the provider's fields, with errMsg on every platform but Alipay.
    function succeeded(name, fields) {
      const payload = Object.assign({}, isObject(fields) ? fields : {});
      return ok(platform === 'alipay' ? payload : Object.assign(payload, { errMsg: name + ':ok' }));
    }

    function gate(name) {
      return withPrivacy(name, () => client.decide('POST', '/api/v1/apis/' + encodeURIComponent(name) + '/authorize', undefined, timeoutMs));
    }

    // A provider gets the caller's options without its callbacks.
    function runProvider(provider, name, opts) {
      const options = Object.assign({}, opts);
      delete options.success;
      delete options.fail;
      delete options.complete;
      return provider(options, { platform, api: name, fail: failWith });
    }

    // What a provider resolves with is the success payload; a provider that throws (or returns) context.fail(reason), or
    // rejects with anything whose reason is cancel, systemDenied or unavailable, fails the platform's way.
    async function provide(name, opts) {
      const provider = providers[name];
      if (typeof provider !== 'function') {
        return fail(failure(name, 'notSupported'));
      }

      let result;
      try {
        result = await runProvider(provider, name, opts);
      } catch (error) {
        if (reasonOf(error) === null) {
          throw error;
        }

        return fail(failure(name, error.reason));
      }

      return result instanceof ProviderFailure && reasonOf(result) !== null ? fail(failure(name, result.reason)) : succeeded(name, result);
    }

    // The host answers in the platform's shape, or fails the platform's way (no code exchange yet: nothing to sign with).
    async function hostData(name, opts) {
      // Only withCredentials: the host seals only the data it holds (WeChat's steps come from its operator's trusted
      // provider, never from the page).
      let body = {};
      if (typeof opts.withCredentials === 'boolean') {
        body = { withCredentials: opts.withCredentials };
      }

      const answer = await client.post('/api/v1/apis/' + encodeURIComponent(name) + '/data', body);
      return answer.status === 'ok' ? succeeded(name, answer.native) : fail(answer.native);
    }

    /** An API of the catalog: the gate first (the scope's consent, or the native denial; an API without a scope passes),
     * then the host's data (kind data) or its provider. */
    function gated(name) {
      return (options) => call(name, options, async (opts) => {
        const passed = await gate(name);
        // Kind code (WeChat's getPhoneNumber, what <button open-type="getPhoneNumber"> runs): the user's consent on the
        // host answers e.detail itself, with the single-use code the app's server exchanges.
        if (!passed.ok || known.get(name).kind === 'code') {
          return passed;
        }

        return known.get(name).kind === 'data' ? hostData(name, opts) : provide(name, opts);
      });
    }

    // getRecorderManager: start asks the gate (scope.record) and answers through the manager's events, as the platforms'
    // recorders do; the recording itself is the providers' RecorderManager.start / .stop / .pause / .resume.
    function getRecorderManager() {
      const listeners = {};
      const emit = (event, payload) => {
        const listener = listeners[event];
        if (typeof listener === 'function') {
          try {
            listener(payload);
          } catch (error) {
            report(error);
          }
        }
      };
      const run = (member, event, work) => {
        const name = 'RecorderManager.' + member;
        Promise.resolve()
          .then(work)
          .then((outcome) => {
            if (outcome === undefined) {
              return;
            }

            if (outcome.ok) {
              emit(event, outcome.payload);
            } else {
              emit('Error', outcome.payload);
            }
          })
          .catch((error) => {
            if (!(error instanceof BridgeError) || error.kind !== 'timeout') {
              report(error);
            }

            emit('Error', failure(name, kindOf(error, name)));
          });
      };
      const member = (name, event, first) => (options) => run(name, event, async () => {
        if (first) {
          const passed = await gate('RecorderManager.' + name);
          if (!passed.ok) {
            return passed;
          }
        }

        const outcome = await provide('RecorderManager.' + name, isObject(options) ? options : {});
        if (outcome.ok && platform !== 'alipay') {
          delete outcome.payload.errMsg; // The recorder's events carry the recording's fields only.
        }

        return outcome;
      });
      const manager = {
        start: member('start', 'Start', true),
        stop: member('stop', 'Stop', false),
        pause: member('pause', 'Pause', false),
        resume: member('resume', 'Resume', false),
      };
      for (const event of RECORDER_EVENTS) {
        manager['on' + event] = (listener) => {
          listeners[event] = listener;
        };
      }

      return manager;
    }

    // createCameraContext: taking a photo or a video asks for the camera (on WeChat the camera component's scope).
    // The members are those the catalog names (takePhoto; startRecord on WeChat); elsewhere a member is absent rather
    // than refused as unknown.
    function createCameraContext() {
      const context = {};
      for (const name of membersOf('CameraContext')) {
        context[name] = gated('CameraContext.' + name);
      }

      if (context.startRecord) {
        // Stopping a recording the gate let start asks nothing.
        context.stopRecord = (options) => call('CameraContext.stopRecord', options, (opts) => provide('CameraContext.stopRecord', opts));
      }

      return context;
    }

    const api = { getSystemInfoSync, getSystemInfo };
    for (const name of known.keys()) {
      if (!name.includes('.')) {
        api[name] = gated(name);
      }
    }

    // The objects pages create at load, where the catalog names their gated members.
    if (membersOf('RecorderManager').length > 0) {
      api.getRecorderManager = getRecorderManager;
    }

    if (membersOf('CameraContext').length > 0) {
      api.createCameraContext = createCameraContext;
    }
    const common = { authorize, getSetting, openSetting, login, checkSession, showToast, request };

    if (platform === 'alipay') {
      Object.assign(api, {
        getAuthCode(options) {
          return call('getAuthCode', options, (opts) => {
            const scopes = opts.scopes === undefined || opts.scopes === null ? entry.authorize.default : opts.scopes;
            const body = Array.isArray(scopes) ? { scopes } : { scope: scopes };
            return client.decide('POST', '/api/v1/authorize', body, timeoutMs).then(fromCall);
          });
        },
        getSetting,
        openSetting,
        showAuthGuide(options) {
          return call('showAuthGuide', options, async (opts) => {
            // A guide to the phone's own settings: it grants nothing, so it only says whether it was shown.
            if (typeof ui.showAuthGuide !== 'function') {
              return ok({ shown: false });
            }

            await ui.showAuthGuide({ authType: opts.authType });
            return ok({ shown: true });
          });
        },
        alert(options) {
          return call('alert', options, async (opts) => {
            if (typeof ui.alert !== 'function') {
              return fail(failure('alert', 'notSupported'));
            }

            await ui.alert({ title: opts.title, content: opts.content, buttonText: opts.buttonText });
            return ok({});
          });
        },
        showToast(options) {
          return call('showToast', options, async (opts) => {
            if (typeof ui.showToast !== 'function') {
              return fail(failure('showToast', 'notSupported'));
            }

            await ui.showToast({ title: opts.content, icon: opts.type, duration: opts.duration });
            return ok({});
          });
        },
      });
    } else {
      Object.assign(api, common);
    }

    if (platform === 'wechat') {
      Object.assign(api, {
        getAppBaseInfo() {
          const info = getSystemInfoSync();
          return { SDKVersion: info.SDKVersion, enableDebug: false, language: info.language, version: info.version, theme: 'light' };
        },
        authorizeForMiniProgram(options) {
          return call('authorizeForMiniProgram', options, (opts) =>
            withPrivacy('authorizeForMiniProgram', () =>
              client.decide('POST', '/api/v1/plugin/authorize', { scope: opts.scope }, timeoutMs)));
        },
        getPrivacySetting(options) {
          return call('getPrivacySetting', options, async () => ok(await client.get('/api/v1/privacy')));
        },
        requirePrivacyAuthorize(options) {
          return call('requirePrivacyAuthorize', options, async () => {
            const setting = await client.get('/api/v1/privacy');
            if (!setting.needAuthorization) {
              return ok({ errMsg: 'requirePrivacyAuthorize:ok' });
            }

            return askPrivacy('requirePrivacyAuthorize');
          });
        },
        onNeedPrivacyAuthorization(listener) {
          privacyListener = typeof listener === 'function' ? listener : null;
        },
        openPrivacyContract(options) {
          return call('openPrivacyContract', options, async () => {
            let contract;
            try {
              contract = await client.get('/api/v1/privacy/contract');
            } catch (error) {
              if (error instanceof BridgeError && error.status === 404) {
                return fail({ errMsg: 'openPrivacyContract:fail no privacy contract' });
              }

              throw error;
            }

            if (typeof ui.openUrl !== 'function') {
              return fail(failure('openPrivacyContract', 'notSupported'));
            }

            await ui.openUrl(new URL(contract.url, config.host).href, 'privacyContract');
            return ok({ errMsg: 'openPrivacyContract:ok' });
          });
        },
      });
    }

    // Whatever else the super-app provides is installed under its native name (after the bridge's own functions, which
    // it never replaces), passed straight to its provider: no scope names it.
    for (const name of Object.keys(providers)) {
      if (name.includes('.') || typeof providers[name] !== 'function' || Object.prototype.hasOwnProperty.call(api, name)) {
        continue;
      }

      api[name] = SYNCHRONOUS.test(name)
        ? (first, ...rest) => providers[name](first, { platform, api: name, fail: failWith }, ...rest)
        : (options) => call(name, options, (opts) => provide(name, opts));
    }

    api.canIUse = function canIUse(schema) {
      const name = String(schema || '').split('.')[0];
      return typeof api[name] === 'function';
    };

    Object.defineProperty(api, 'uniBridge', {
      value: Object.freeze({ version: VERSION, platform, host: config.host }),
      enumerable: false,
    });
    return api;
  }

  function validate(options, byPlatform) {
    if (!isObject(options)) {
      throw new TypeError('UniBridge.install needs { host, token, platform }.');
    }

    if (typeof options.host !== 'string' || !/^https?:\/\//.test(options.host)) {
      throw new TypeError("UniBridge: 'host' is the host's http(s) URL, for example http://127.0.0.1:5080.");
    }

    if (typeof options.token !== 'string' || options.token.length === 0) {
      throw new TypeError("UniBridge: 'token' is the mini-app session token the host issued.");
    }

    if (byPlatform === undefined) {
      return;
    }

    if (Object.keys(byPlatform).length === 0) {
      throw new TypeError("UniBridge: no platform catalog. Load the bridge from the host (/bridge/uni-bridge.js), pass 'catalog' "
        + '(GET /api/v1/scopes, or UniBridge.loadCatalog), or use UniBridge.connect.');
    }

    if (!Object.prototype.hasOwnProperty.call(byPlatform, options.platform)) {
      throw new TypeError("UniBridge: 'platform' is one of " + Object.keys(byPlatform).join(', ') + '.');
    }
  }

  /**
   * Installs the platform's global (wx, my, tt, swan or ks) on options.target (default globalThis) and returns it.
   * Options: host, token, platform, timeout (ms a call waits for the user), ui (openSetting, openUrl, showToast,
   * alert, showAuthGuide hooks), providers (what runs an API once its gate passed, by the API's native name:
   * getLocation(options, { platform, api, fail }) resolving with its success fields, or failing with
   * fail('cancel' | 'systemDenied' | 'unavailable'); a provider for an API the catalog does not list installs that API;
   * user info and WeChat's step counts come from the host, never a provider), systemInfo (fields over
   * getSystemInfoSync's defaults, such as windowWidth), catalog (the host's GET /api/v1/scopes, when this script did not
   * come from the host), onError, fetch, target.
   */
  function install(options) {
    validate(options);
    const byPlatform = isObject(options.catalog) || Array.isArray(options.catalog) ? indexCatalog(options.catalog) : indexCatalog(EMBEDDED);
    validate(options, byPlatform);
    const entry = byPlatform[options.platform];
    const api = createApi(options, entry);
    const target = options.target || globalThis;
    target[entry.global] = api;
    return api;
  }

  /** The host's catalog (GET /api/v1/scopes), for install's catalog option. */
  async function loadCatalog(options) {
    const host = isObject(options) ? options.host : options;
    if (typeof host !== 'string' || !/^https?:\/\//.test(host)) {
      throw new TypeError("UniBridge.loadCatalog needs the host's http(s) URL.");
    }

    const fetchImpl = (isObject(options) && options.fetch) || globalThis.fetch;
    const response = await fetchImpl(host.replace(/\/+$/, '') + '/api/v1/scopes', { headers: { accept: 'application/json' } });
    if (!response.ok) {
      throw new BridgeError('http', 'The host answered ' + response.status + ' for its catalog.', response.status);
    }

    return response.json();
  }

  /** Like install, with the platform read from the session (GET /api/v1/session) and the catalog fetched when this
   * script has none. */
  async function connect(options) {
    if (!isObject(options)) {
      throw new TypeError('UniBridge.connect needs { host, token }.');
    }

    validate(options);
    const catalog = options.catalog || EMBEDDED || (await loadCatalog(options));
    const session = await createClient(options).get('/api/v1/session');
    return install(Object.assign({}, options, { platform: session.platform, catalog }));
  }

  return Object.freeze({
    version: VERSION,
    globals: globalsOf(indexCatalog(EMBEDDED)),
    catalog: EMBEDDED,
    install,
    connect,
    loadCatalog,
    BridgeError,
    ProviderFailure,
  });
});
