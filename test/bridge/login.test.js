'use strict';
// Login on every platform through the bridge: the code from login is exchanged by the app's server in the platform's
// own request and response shape, once; checkSession answers from the mini-app session's validity.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, callback, settle, unique } = require('./support/host');

const T = { timeout: 60000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

function form(fields) {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) };
}

async function post(path, init) {
  const response = await fetch(host.base + path, init);
  return { status: response.status, body: await response.json() };
}

// Each platform's server-side exchange as its app server calls it, and how it reads the answer: ByteDance, Baidu and
// Kuaishou at their own paths under the host's prefix for the platform, which answer HTTP 200 as the platforms do.
const PLATFORMS = {
  wechat: {
    global: 'wx',
    exchange: (app, login) => post('/api/v1/exchange/wechat/jscode2session',
      form({ appid: app.id, secret: app.secret, js_code: login.code, grant_type: 'authorization_code' })),
    openId: (body) => body.openid,
    used: (answer) => answer.status === 200 && answer.body.errcode === 40163, // WeChat answers HTTP 200 with its errcode
    checked: { errMsg: 'checkSession:ok' },
    expired: { errMsg: 'checkSession:fail session expired' },
  },
  bytedance: {
    global: 'tt',
    exchange: (app, login) => post('/api/v1/exchange/bytedance/api/apps/v2/jscode2session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appid: app.id, secret: app.secret, code: login.code, anonymous_code: login.anonymousCode }),
    }),
    openId: (body) => body.err_no === 0 && body.data.anonymous_openid !== '' && body.data.openid,
    used: (answer) => answer.status === 200 && answer.body.err_no === 40018 && answer.body.data === undefined,
    checked: { errMsg: 'checkSession:ok' },
    expired: { errMsg: 'checkSession:fail session expired', errNo: '10206' },
  },
  baidu: {
    global: 'swan',
    exchange: (app, login) => post('/api/v1/exchange/baidu/oauth/jscode2sessionkey', form({ code: login.code, client_id: app.id, sk: app.secret })),
    openId: (body) => typeof body.session_key === 'string' && body.openid,
    used: (answer) => answer.status === 200 && answer.body.errno === 10010102 && answer.body.error === 'code is invalid',
    checked: { errMsg: 'checkSession:ok' },
    expired: { errCode: 10008, errMsg: 'checkSession:fail session expired' },
  },
  kuaishou: {
    global: 'ks',
    exchange: (app, login) => post('/api/v1/exchange/kuaishou/oauth2/mp/code2session', form({ app_id: app.id, app_secret: app.secret, js_code: login.code })),
    openId: (body) => body.result === 1 && typeof body.session_key === 'string' && body.open_id,
    used: (answer) => answer.status === 200 && answer.body.result === 240001 && typeof answer.body.error_msg === 'string',
    checked: {},
    expired: { errMsg: 'checkSession:fail session expired' },
  },
};

for (const [platform, expect] of Object.entries(PLATFORMS)) {
  test(`${expect.global}.login: the app's server exchanges the code once, in ${platform}'s shape, for a per-app openid`, T, async () => {
    const user = await host.browser(unique('user'));
    const apps = [];
    for (let i = 0; i < 2; i++) {
      const id = unique('app-' + platform);
      const created = await host.createApp(id, platform);
      apps.push({ id, secret: created.secret, api: UniBridge.install({ host: host.base, token: await user.launch(id), platform, target: {} }) });
    }

    const login = await apps[0].api.login();
    if (platform === 'bytedance') {
      assert.equal(typeof login.anonymousCode, 'string');
      assert.notEqual(login.anonymousCode, login.code);
    }

    const first = await expect.exchange(apps[0], login);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const openId = expect.openId(first.body);
    assert.equal(typeof openId, 'string');
    assert.ok(expect.used(await expect.exchange(apps[0], login)), 'a code is used up by its first exchange');

    const again = await expect.exchange(apps[0], await apps[0].api.login());
    assert.equal(expect.openId(again.body), openId, 'the same user in the same app: the same openid');
    const other = await expect.exchange(apps[1], await apps[1].api.login());
    assert.notEqual(expect.openId(other.body), openId, 'another app: another openid');
  });

  test(`${expect.global}.checkSession: ok while the mini-app session lives, the platform's failure once it ends`, T, async () => {
    const { token } = await host.launch(platform);
    const api = UniBridge.install({ host: host.base, token, platform, target: {} });

    const live = await callback(api.checkSession);
    assert.deepEqual(live.calls, ['success', 'complete']);
    assert.deepEqual(live.success, expect.checked);
    assert.equal(api.canIUse('checkSession'), true);

    await host.revokeSession(token);
    const ended = await callback(api.checkSession);
    assert.deepEqual(ended.calls, ['fail', 'complete']);
    assert.deepEqual(ended.fail, expect.expired);
    assert.deepEqual(await settle(api.checkSession()), { ok: false, value: expect.expired }, 'promise form');
  });
}

test('my.checkSession: Alipay has none, so the bridge installs none', T, async () => {
  const { token } = await host.launch('alipay');
  const my = UniBridge.install({ host: host.base, token, platform: 'alipay', target: {} });

  assert.equal(my.checkSession, undefined);
  assert.equal(my.canIUse('checkSession'), false);
});
