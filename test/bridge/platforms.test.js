'use strict';
// Every authorization call of every platform on the bridge, against a real host: native payloads compared field by
// field; grant, deny, dismiss, settings and timeout flows; the user answers through the host like a browser would.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, callback, settle } = require('./support/host');

const T = { timeout: 60000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

/** A fresh app of the platform, a fresh user signed in to the host, and the bridge installed on a private target. */
async function miniApp(platform, options = {}) {
  const { appId, user, token } = await host.launch(platform);
  const target = {};
  const api = UniBridge.install(Object.assign({ host: host.base, token, platform, target }, options));
  return { appId, user, token, target, api };
}

// What WeChat's getSetting reports granted without ever asking (user info since 2021, address and invoices).
const WECHAT_REPORTED = Object.freeze({ 'scope.userInfo': true, 'scope.address': true, 'scope.invoiceTitle': true, 'scope.invoice': true });

// The platforms that share the authorize / getSetting / openSetting / login shape, with their native payloads.
const AUTHORIZE_PLATFORMS = {
  wechat: {
    global: 'wx',
    granted: () => ({ errMsg: 'authorize:ok' }),
    denied: { errMsg: 'authorize:fail auth deny' },
    dismissed: { errMsg: 'authorize:fail auth cancel' },
    timeout: { errMsg: 'authorize:fail timeout' },
    invalid: { errMsg: 'authorize:fail invalid scope' },
    setting: (authSetting) => ({ errMsg: 'getSetting:ok', authSetting: { ...WECHAT_REPORTED, ...authSetting } }),
    opened: (authSetting) => ({ errMsg: 'openSetting:ok', authSetting: { ...WECHAT_REPORTED, ...authSetting } }),
    login: (code) => ({ errMsg: 'login:ok', code }),
  },
  bytedance: {
    global: 'tt',
    granted: (scope) => ({ errMsg: 'authorize:ok', data: { [scope]: 'ok' } }),
    denied: { errMsg: 'authorize:fail auth deny', errNo: '10200' },
    dismissed: { errMsg: 'authorize:fail auth cancel', errNo: '10201' },
    timeout: { errMsg: 'authorize:fail timeout', errNo: '10203' },
    invalid: { errMsg: 'authorize:fail invalid scope', errNo: '10202' },
    setting: (authSetting) => ({ errMsg: 'getSetting:ok', authSetting }),
    opened: (authSetting) => ({ errMsg: 'openSetting:ok', authSetting }),
    login: (code, anonymousCode) => ({ errMsg: 'login:ok', code, anonymousCode, isLogin: true }),
  },
  baidu: {
    global: 'swan',
    granted: () => ({ errMsg: 'authorize:ok' }),
    denied: { errCode: 10003, errMsg: 'authorize:fail auth deny' },
    dismissed: { errCode: 10004, errMsg: 'authorize:fail auth cancel' },
    timeout: { errCode: 10006, errMsg: 'authorize:fail timeout' },
    invalid: { errCode: 10005, errMsg: 'authorize:fail invalid scope' },
    setting: (authSetting) => ({ errMsg: 'getSetting:ok', authSetting }),
    opened: (authSetting) => ({ errMsg: 'openSetting:ok', authSetting }),
    login: (code) => ({ errMsg: 'login:ok', code }),
  },
  kuaishou: {
    global: 'ks',
    granted: () => ({}),
    denied: { errMsg: 'authorize:fail auth deny' },
    dismissed: { errMsg: 'authorize:fail auth cancel' },
    timeout: { errMsg: 'authorize:fail timeout' },
    invalid: { errMsg: 'invalid scope' },
    setting: (authSetting) => ({ errMsg: 'getSetting:ok', authSetting }),
    opened: (authSetting) => ({ errMsg: 'openSetting:ok', authSetting }),
    login: (code) => ({ code }),
  },
};

for (const [platform, expect] of Object.entries(AUTHORIZE_PLATFORMS)) {
  test(`${expect.global}.authorize: granted by the user, then granted at once without a dialog`, T, async () => {
    const { api, user, target } = await miniApp(platform);
    assert.equal(target[expect.global], api, 'the global is installed on the target');

    const first = callback(api.authorize, { scope: 'scope.userLocation' });
    await user.answerNext('allow', ['scope.userLocation']);
    const seen = await first;
    assert.deepEqual(seen.calls, ['success', 'complete']);
    assert.deepEqual(seen.success, expect.granted('scope.userLocation'));
    assert.deepEqual(seen.complete, expect.granted('scope.userLocation'));

    const again = await callback(api.authorize, { scope: 'scope.userLocation' });
    assert.deepEqual(again.success, expect.granted('scope.userLocation'));
    assert.deepEqual(await user.pendingConsents(), [], 'a granted scope asks nothing');

    assert.deepEqual(await api.authorize({ scope: 'scope.userLocation' }), expect.granted('scope.userLocation'), 'promise form');
    assert.deepEqual(await api.getSetting(), expect.setting({ 'scope.userLocation': true }));
  });

  test(`${expect.global}.authorize: denied by the user, then failing at once; the promise form rejects`, T, async () => {
    const { api, user } = await miniApp(platform);
    const first = callback(api.authorize, { scope: 'scope.camera' });
    await user.answerNext('deny', ['scope.camera']);
    const seen = await first;
    assert.deepEqual(seen.calls, ['fail', 'complete']);
    assert.deepEqual(seen.fail, expect.denied);
    assert.deepEqual(seen.complete, expect.denied);

    const rejected = await settle(api.authorize({ scope: 'scope.camera' }));
    assert.deepEqual(rejected, { ok: false, value: expect.denied });
    assert.deepEqual(await user.pendingConsents(), [], 'a denied scope asks nothing');
    assert.deepEqual(await api.getSetting(), expect.setting({ 'scope.camera': false }));
  });

  test(`${expect.global}.authorize: a dismissed dialog fails the call and the next call asks again`, T, async () => {
    const { api, user } = await miniApp(platform);
    const first = settle(api.authorize({ scope: 'scope.record' }));
    await user.answerNext('dismiss', ['scope.record']);
    assert.deepEqual(await first, { ok: false, value: expect.dismissed });

    const second = settle(api.authorize({ scope: 'scope.record' }));
    await user.answerNext('allow', ['scope.record']);
    assert.deepEqual(await second, { ok: true, value: expect.granted('scope.record') });
  });

  test(`${expect.global}.authorize: no answer before the bridge's timeout fails the native way`, T, async () => {
    const { api, user } = await miniApp(platform, { timeout: 1500 });
    const started = Date.now();
    const outcome = await settle(api.authorize({ scope: 'scope.userLocation' }));
    assert.deepEqual(outcome, { ok: false, value: expect.timeout });
    assert.ok(Date.now() - started < 10000, 'the timeout ends the wait');
    // The bridge withdraws the call it stopped waiting for: the consent leaves the user's list, unanswered.
    const deadline = Date.now() + 10000;
    while ((await user.pendingConsents()).length > 0) {
      assert.ok(Date.now() < deadline, 'the withdrawn call\'s consent stays in the user\'s list');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    assert.deepEqual(await settle(api.authorize({ scope: 'scope.userLocation' })), { ok: false, value: expect.timeout },
      'nothing was decided: the next call asks again');
  });

  test(`${expect.global}.authorize: an unknown scope fails with the platform's invalid-scope payload`, T, async () => {
    const { api } = await miniApp(platform);
    const seen = await callback(api.authorize, { scope: 'scope.nothing' });
    assert.deepEqual(seen.calls, ['fail', 'complete']);
    assert.deepEqual(seen.fail, expect.invalid);
  });

  test(`${expect.global}.getSetting / openSetting: the user's changes in the host's settings page reach the app`, T, async () => {
    const { api, user, appId, token } = await miniApp(platform);
    assert.deepEqual(await api.getSetting(), expect.setting({}));

    const denied = callback(api.authorize, { scope: 'scope.camera' });
    await user.answerNext('deny');
    await denied;

    // Without a page to show, openSetting reports the current switches.
    assert.deepEqual(await api.openSetting(), expect.opened({ 'scope.camera': false }));

    // With a page: the user flips the switch there, and openSetting answers with the switches after it closes.
    const opened = [];
    const withPage = UniBridge.install({
      host: host.base, token, platform, target: {},
      ui: {
        async openSetting(url) {
          opened.push(url);
          await user.setSetting(appId, 'scope.camera', 'granted');
        },
      },
    });
    const seen = await callback(withPage.openSetting);
    assert.deepEqual(seen.success, expect.opened({ 'scope.camera': true }));
    assert.equal(opened.length, 1);
    assert.match(opened[0], new RegExp('^' + host.base + '/settings\\?app=' + appId + '$'));

    assert.deepEqual(await api.authorize({ scope: 'scope.camera' }), expect.granted('scope.camera'), 'granted in settings: no dialog');
    assert.deepEqual(await api.getSetting(), expect.setting({ 'scope.camera': true }));
  });

  test(`${expect.global}.login: a fresh single-use code for the app's server`, T, async () => {
    const { api } = await miniApp(platform);
    const first = await callback(api.login);
    assert.deepEqual(first.calls, ['success', 'complete']);
    assert.equal(typeof first.success.code, 'string');
    assert.ok(first.success.code.length >= 20);
    assert.deepEqual(first.success, expect.login(first.success.code, first.success.anonymousCode));
    const second = await api.login();
    assert.notEqual(second.code, first.success.code);
  });
}

test('tt.authorize: scope.writePhotosAlbum is reported under ByteDance\'s own name scope.album', T, async () => {
  const { api, user } = await miniApp('bytedance');
  const call = api.authorize({ scope: 'scope.album' });
  await user.answerNext('allow', ['scope.writePhotosAlbum']);
  assert.deepEqual(await call, { errMsg: 'authorize:ok', data: { 'scope.album': 'ok' } });
  assert.deepEqual(await api.getSetting(), { errMsg: 'getSetting:ok', authSetting: { 'scope.album': true } });
});

test('wx.login: the code is exchanged once by the app\'s server through jscode2session', T, async () => {
  const { appId, app: created, token } = await host.launch('wechat');
  const wx = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {} });
  const { code } = await wx.login();

  const exchange = () => fetch(host.base + '/api/v1/exchange/wechat/jscode2session', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ appid: appId, secret: created.secret, js_code: code, grant_type: 'authorization_code' }),
  }).then((r) => r.json());
  const first = await exchange();
  assert.equal(typeof first.openid, 'string');
  const second = await exchange();
  assert.ok(second.errcode !== 0 && second.openid === undefined, 'a code is used up by its first exchange');
});

// Alipay: getAuthCode with string or array scopes, Alipay's settings keys, showAuthGuide.
test('my.getAuthCode: auth_base is silent and yields a code; auth_user asks the user', T, async () => {
  const { api, user } = await miniApp('alipay');
  const silent = await callback(api.getAuthCode, { scopes: 'auth_base' });
  assert.deepEqual(silent.calls, ['success', 'complete']);
  assert.deepEqual(Object.keys(silent.success).sort(), ['authCode', 'authErrorScopes', 'authSuccessScopes']);
  assert.equal(typeof silent.success.authCode, 'string');
  assert.deepEqual(silent.success.authSuccessScopes, ['auth_base']);
  assert.deepEqual(silent.success.authErrorScopes, {});
  assert.deepEqual(await user.pendingConsents(), [], 'auth_base shows no dialog');

  const defaulted = await api.getAuthCode();
  assert.deepEqual(defaulted.authSuccessScopes, ['auth_base'], 'scopes default to auth_base');

  const asked = api.getAuthCode({ scopes: ['auth_user'] });
  await user.answerNext('allow', ['scope.userInfo']);
  const granted = await asked;
  assert.deepEqual(granted.authSuccessScopes, ['auth_user']);
  assert.deepEqual(granted.authErrorScopes, {});
  assert.notEqual(granted.authCode, silent.success.authCode);

  assert.deepEqual(await api.getSetting(), { authSetting: { userInfo: true } });
  assert.deepEqual(await api.openSetting(), { authSetting: { userInfo: true } });
});

test('my.getAuthCode: a refusal fails with error 11 and is asked again; a closed dialog with error 3; a timeout with error 3', T, async () => {
  const { api, user, token, appId } = await miniApp('alipay');
  const refused = callback(api.getAuthCode, { scopes: 'auth_user' });
  await user.answerNext('deny');
  const seen = await refused;
  assert.deepEqual(seen.calls, ['fail', 'complete']);
  assert.deepEqual(seen.fail, { error: 11, errorMessage: '用户取消授权', authErrorScopes: { auth_user: 11 } });
  assert.deepEqual(await api.getSetting(), { authSetting: {} }, 'Alipay keeps no plain refusal');

  // In the settings page the user turns the profile back on; my.openSetting answers with Alipay's keys.
  const withPage = UniBridge.install({
    host: host.base, token, platform: 'alipay', target: {},
    ui: { openSetting: () => user.setSetting(appId, 'userInfo', 'granted') },
  });
  assert.deepEqual(await withPage.openSetting(), { authSetting: { userInfo: true } });

  const closed = settle(api.getAuthCode({ scopes: 'auth_zhima' }));
  await user.answerNext('dismiss', ['auth_zhima']);
  const dismissed = await closed;
  assert.deepEqual(dismissed, { ok: false, value: { error: 3, errorMessage: '用户关闭授权弹窗', authErrorScopes: { auth_zhima: 3 } } });

  const impatient = UniBridge.install({ host: host.base, token, platform: 'alipay', target: {}, timeout: 1500 });
  assert.deepEqual(await settle(impatient.getAuthCode({ scopes: 'auth_zhima' })),
    { ok: false, value: { error: 3, errorMessage: '未获取到授权结果' } });
});

test('my.getAuthCode: several scopes share one dialog; granted ones succeed, refused ones are listed', T, async () => {
  const { api, user } = await miniApp('alipay');
  const call = api.getAuthCode({ scopes: ['auth_user', 'auth_zhima'] });
  const consent = await user.nextConsent();
  assert.deepEqual(consent.scopes.map((s) => s.name).sort(), ['auth_zhima', 'scope.userInfo']);
  const answered = await user.send('POST', `/api/v1/user/consents/${consent.id}/answer`,
    { scopes: { 'scope.userInfo': 'allow', auth_zhima: 'deny' } });
  assert.equal(answered.status, 204);
  const result = await call;
  assert.deepEqual(result.authSuccessScopes, ['auth_user']);
  assert.deepEqual(result.authErrorScopes, { auth_zhima: 11 });
  assert.equal(typeof result.authCode, 'string');
});

test('my.showAuthGuide: reports whether a guide was shown and grants nothing', T, async () => {
  const { api, token } = await miniApp('alipay');
  assert.deepEqual(await api.showAuthGuide({ authType: 'CAMERA' }), { shown: false });
  const shown = [];
  const withUi = UniBridge.install({ host: host.base, token, platform: 'alipay', target: {}, ui: { showAuthGuide: (o) => shown.push(o) } });
  const seen = await callback(withUi.showAuthGuide, { authType: 'CAMERA' });
  assert.deepEqual(seen.success, { shown: true });
  assert.deepEqual(shown, [{ authType: 'CAMERA' }]);
  assert.deepEqual(await api.getSetting(), { authSetting: {} }, 'nothing was granted');
});

test('platform recognition: the members wrapper libraries probe exist, and unsupported UI fails natively', T, async () => {
  const expected = { wechat: ['wx', 'request'], alipay: ['my', 'alert'], bytedance: ['tt', 'showToast'], baidu: ['swan', 'showToast'], kuaishou: ['ks', 'showToast'] };
  for (const [platform, [name, member]] of Object.entries(expected)) {
    const { api } = await miniApp(platform);
    assert.equal(typeof api[member], 'function', `${name}.${member}`);
    assert.equal(api.canIUse('authorize'), platform !== 'alipay');
    assert.equal(api.canIUse('getSetting'), true);
  }

  const { api: tt } = await miniApp('bytedance');
  assert.deepEqual(await settle(tt.showToast({ title: 'hi' })), { ok: false, value: { errMsg: 'showToast:fail not supported', errNo: '10204' } });
  const { api: my } = await miniApp('alipay');
  assert.deepEqual(await settle(my.alert({ content: 'hi' })), { ok: false, value: { error: 1, errorMessage: '接口不存在' } });

  const toasts = [];
  const { token } = await miniApp('kuaishou');
  const ks = UniBridge.install({ host: host.base, token, platform: 'kuaishou', target: {}, ui: { showToast: (o) => toasts.push(o.title) } });
  assert.deepEqual(await ks.showToast({ title: 'saved' }), { errMsg: 'showToast:ok' });
  assert.deepEqual(toasts, ['saved']);
});

test('wx.request: a real HTTP request with the platform\'s response shape', T, async () => {
  const { api } = await miniApp('wechat');
  const seen = await callback(api.request, { url: host.base + '/healthz' });
  assert.deepEqual(seen.calls, ['success', 'complete']);
  assert.equal(seen.success.statusCode, 200);
  assert.equal(seen.success.errMsg, 'request:ok');
  assert.equal(typeof seen.success.data, 'object');
  assert.match(seen.success.header['content-type'], /application\/json/);

  const failed = await callback(api.request, { url: 'http://127.0.0.1:1/unreachable' });
  assert.deepEqual(failed.calls, ['fail', 'complete']);
  assert.match(failed.fail.errMsg, /^request:fail /);
  const task = api.request({ url: 'http://127.0.0.1:1/unreachable' });
  assert.equal(typeof task.abort, 'function', 'a task, not a promise: nothing left unhandled');
  assert.equal(typeof task.then, 'undefined');
});

test('calls without a usable scope fail with the platform\'s invalid-parameter payload', T, async () => {
  const { api: wx } = await miniApp('wechat');
  assert.deepEqual(await settle(wx.authorize()), { ok: false, value: { errMsg: 'authorize:fail invalid param' } });
  assert.deepEqual(await settle(wx.authorize({ scope: 42 })), { ok: false, value: { errMsg: 'authorize:fail invalid param' } });
  const { api: tt } = await miniApp('bytedance');
  assert.deepEqual(await settle(tt.authorize({})), { ok: false, value: { errMsg: 'authorize:fail invalid param', errNo: '10202' } });
  const { api: my } = await miniApp('alipay');
  assert.deepEqual(await settle(my.getAuthCode({ scopes: [] })), { ok: false, value: { error: 2, errorMessage: '参数错误' } });
});

test('a revoked or unknown session fails every call natively and reports the cause', T, async () => {
  const errors = [];
  const wx = UniBridge.install({ host: host.base, token: 'st_unknown', platform: 'wechat', target: {}, onError: (e) => errors.push(e) });
  assert.deepEqual(await settle(wx.authorize({ scope: 'scope.userLocation' })), { ok: false, value: { errMsg: 'authorize:fail system error' } });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].status, 401);

  const swan = UniBridge.install({ host: host.base, token: 'st_unknown', platform: 'baidu', target: {}, onError: () => {} });
  assert.deepEqual(await settle(swan.getSetting()), { ok: false, value: { errCode: 10001, errMsg: 'getSetting:fail system error' } });
});

test('a throwing success callback is reported and complete still runs', T, async () => {
  const errors = [];
  const { token } = await miniApp('wechat');
  const wx = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {}, onError: (e) => errors.push(e) });
  const completed = await new Promise((resolve) => {
    wx.login({
      success() { throw new Error('app bug'); },
      complete: resolve,
    });
  });
  assert.equal(completed.errMsg, 'login:ok');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].message, 'app bug');
});

test('UniBridge.install rejects bad options with a clear TypeError; connect reads the platform from the session', T, async () => {
  assert.throws(() => UniBridge.install(), /needs \{ host, token, platform \}/);
  assert.throws(() => UniBridge.install({ host: 'ftp://x', token: 't', platform: 'wechat' }), /'host'/);
  assert.throws(() => UniBridge.install({ host: host.base, token: '', platform: 'wechat' }), /'token'/);
  assert.throws(() => UniBridge.install({ host: host.base, token: 't', platform: 'web' }), /'platform'/);

  const { token } = await miniApp('baidu');
  const target = {};
  const swan = await UniBridge.connect({ host: host.base, token, target });
  assert.equal(target.swan, swan);
  assert.equal(swan.uniBridge.platform, 'baidu');
});

test('GET /bridge/uni-bridge.js: served as JavaScript with an ETag that revalidates', T, async () => {
  const first = await fetch(host.base + '/bridge/uni-bridge.js');
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type'), /^text\/javascript/);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  await first.text();
  const second = await fetch(host.base + '/bridge/uni-bridge.js', { headers: { 'if-none-match': etag } });
  assert.equal(second.status, 304);
});
