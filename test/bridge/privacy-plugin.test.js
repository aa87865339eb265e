'use strict';
// WeChat's privacy agreement and plugin authorization on the bridge, against a real host. The user agrees or refuses
// in the host's consent flow; the mini-app's own explanation (onNeedPrivacyAuthorization) may refuse, never agree.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, callback, settle, unique, delay } = require('./support/host');

const T = { timeout: 60000 };
const PRIVACY_APP = 'privacy-app';
const CONTRACT = '《示例小程序隐私保护指引》';
let host;
let UniBridge;
useHost(async (started, bridge) => {
  host = started;
  UniBridge = bridge;
  await host.createApp(PRIVACY_APP, 'wechat');
}, {
  [`Host:PrivacyContracts:${PRIVACY_APP}:Name`]: CONTRACT,
  [`Host:PrivacyContracts:${PRIVACY_APP}:Url`]: '/privacy/privacy-app.html',
  // Shorter long polls than the bridge's default: the bridge adapts (see the last test).
  'Host:MaxWait': '00:00:03',
});

async function wechat(appId, options = {}) {
  const user = await host.browser(unique('user'));
  const token = await user.launch(appId);
  const wx = UniBridge.install(Object.assign({ host: host.base, token, platform: 'wechat', target: {} }, options));
  return { user, token, wx };
}

async function plainApp() {
  const appId = unique('plain');
  await host.createApp(appId, 'wechat');
  return appId;
}

const refused = (api) => ({ errno: 104, errMsg: `${api}:fail privacy permission is not authorized` });

test('wx.getPrivacySetting / requirePrivacyAuthorize: an app without a contract needs no agreement', T, async () => {
  const { wx, user } = await wechat(await plainApp());
  assert.deepEqual(await wx.getPrivacySetting(), { needAuthorization: false, privacyContractName: '', errMsg: 'getPrivacySetting:ok' });
  const seen = await callback(wx.requirePrivacyAuthorize);
  assert.deepEqual(seen.calls, ['success', 'complete']);
  assert.deepEqual(seen.success, { errMsg: 'requirePrivacyAuthorize:ok' });

  // The scope's own dialog comes at once, with no privacy step first.
  const call = settle(wx.authorize({ scope: 'scope.werun' }));
  await user.answerNext('allow', ['scope.werun']);
  assert.deepEqual(await call, { ok: true, value: { errMsg: 'authorize:ok' } });
});

test('wx.authorize on an app with a contract: the user agrees to the contract, then answers the scope', T, async () => {
  const { wx, user } = await wechat(PRIVACY_APP);
  assert.deepEqual(await wx.getPrivacySetting(), { needAuthorization: true, privacyContractName: CONTRACT, errMsg: 'getPrivacySetting:ok' });

  const call = callback(wx.authorize, { scope: 'scope.userLocation' });
  await user.answerNext('allow', ['privacy']);
  await user.answerNext('allow', ['scope.userLocation']);
  const seen = await call;
  assert.deepEqual(seen.calls, ['success', 'complete']);
  assert.deepEqual(seen.success, { errMsg: 'authorize:ok' });

  assert.deepEqual(await wx.getPrivacySetting(), { needAuthorization: false, privacyContractName: CONTRACT, errMsg: 'getPrivacySetting:ok' });
  const settings = await user.send('GET', `/api/v1/user/apps/${PRIVACY_APP}/settings`);
  const privacy = settings.body.entries.find((e) => e.scope === 'privacy');
  assert.equal(privacy.state, 'granted', 'the agreement is shown in the settings page');

  // Revocable: withdrawn in settings, the contract is needed again.
  await user.setSetting(PRIVACY_APP, 'privacy', 'denied');
  assert.equal((await wx.getPrivacySetting()).needAuthorization, true);
});

test('wx.authorize on an app with a contract: refusing the contract fails with errno 104', T, async () => {
  const { wx, user } = await wechat(PRIVACY_APP);
  const call = settle(wx.authorize({ scope: 'scope.userLocation' }));
  await user.answerNext('deny', ['privacy']);
  assert.deepEqual(await call, { ok: false, value: refused('authorize') });
  assert.deepEqual(await user.pendingConsents(), [], 'the scope itself was never asked');
});

test('wx.onNeedPrivacyAuthorization: the mini-app\'s refusal fails at once; its agreement still goes to the user', T, async () => {
  const { wx, user } = await wechat(PRIVACY_APP);
  const events = [];
  let choice = 'disagree';
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    events.push(eventInfo.referrer);
    resolve({ event: 'exposureAuthorization' });
    resolve({ event: choice });
  });

  assert.deepEqual(await settle(wx.authorize({ scope: 'scope.record' })), { ok: false, value: refused('authorize') });
  assert.deepEqual(events, ['authorize']);
  assert.deepEqual(await user.pendingConsents(), [], 'a refusal by the mini-app asks nobody');

  // The mini-app passes on an agreement: the host still asks the user, who decides.
  choice = 'agree';
  const call = settle(wx.authorize({ scope: 'scope.record' }));
  await user.answerNext('deny', ['privacy']);
  assert.deepEqual(await call, { ok: false, value: refused('authorize') });
  assert.equal((await wx.getPrivacySetting()).needAuthorization, true, 'the mini-app cannot agree for the user');

  const requireCall = settle(wx.requirePrivacyAuthorize());
  await user.answerNext('allow', ['privacy']);
  assert.deepEqual(await requireCall, { ok: true, value: { errMsg: 'requirePrivacyAuthorize:ok' } });
  assert.deepEqual(events, ['authorize', 'authorize', 'requirePrivacyAuthorize']);

  // Agreed: no listener call and no consent for the agreement any more.
  assert.deepEqual(await wx.requirePrivacyAuthorize(), { errMsg: 'requirePrivacyAuthorize:ok' });
  assert.equal(events.length, 3);
});

test('wx.requirePrivacyAuthorize: a refusal in the host fails with errno 104', T, async () => {
  const { wx, user } = await wechat(PRIVACY_APP);
  const call = callback(wx.requirePrivacyAuthorize);
  await user.answerNext('deny', ['privacy']);
  const seen = await call;
  assert.deepEqual(seen.calls, ['fail', 'complete']);
  assert.deepEqual(seen.fail, refused('requirePrivacyAuthorize'));
});

test('wx.openPrivacyContract: shown through the page hook; natively unsupported without one', T, async () => {
  const opened = [];
  const { wx, token } = await wechat(PRIVACY_APP, { ui: { openUrl: (url, kind) => opened.push([url, kind]) } });
  assert.deepEqual(await wx.openPrivacyContract(), { errMsg: 'openPrivacyContract:ok' });
  assert.deepEqual(opened, [[host.base + '/privacy/privacy-app.html', 'privacyContract']]);

  const headless = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {} });
  assert.deepEqual(await settle(headless.openPrivacyContract()), { ok: false, value: { errMsg: 'openPrivacyContract:fail not supported' } });

  const { wx: plain } = await wechat(await plainApp(), { ui: { openUrl: () => {} } });
  assert.deepEqual(await settle(plain.openPrivacyContract()), { ok: false, value: { errMsg: 'openPrivacyContract:fail no privacy contract' } });
});

test('wx.authorizeForMiniProgram: a plugin asks for the camera; the decision belongs to the host app', T, async () => {
  const appId = await plainApp();
  const { wx, user } = await wechat(appId);
  const call = callback(wx.authorizeForMiniProgram, { scope: 'scope.camera' });
  await user.answerNext('allow', ['scope.camera']);
  const seen = await call;
  assert.deepEqual(seen.calls, ['success', 'complete']);
  assert.deepEqual(seen.success, { errMsg: 'authorizeForMiniProgram:ok' });
  assert.deepEqual(await wx.authorize({ scope: 'scope.camera' }), { errMsg: 'authorize:ok' }, 'the app itself now has the camera');
  // WeChat reports user info, address and invoices granted without asking; the camera is the host app's decision.
  assert.deepEqual(await wx.getSetting(), {
    errMsg: 'getSetting:ok',
    authSetting: { 'scope.camera': true, 'scope.userInfo': true, 'scope.address': true, 'scope.invoiceTitle': true, 'scope.invoice': true },
  });

  const denied = settle(wx.authorizeForMiniProgram({ scope: 'scope.record' }));
  await user.answerNext('deny', ['scope.record']);
  assert.deepEqual(await denied, { ok: false, value: { errMsg: 'authorizeForMiniProgram:fail auth deny' } });
});

test('wx.authorizeForMiniProgram on an app with a contract: the privacy agreement comes first', T, async () => {
  const { wx, user } = await wechat(PRIVACY_APP);
  const call = settle(wx.authorizeForMiniProgram({ scope: 'scope.writePhotosAlbum' }));
  await user.answerNext('allow', ['privacy']);
  await user.answerNext('allow', ['scope.writePhotosAlbum']);
  assert.deepEqual(await call, { ok: true, value: { errMsg: 'authorizeForMiniProgram:ok' } });

  const { wx: other, user: refusing } = await wechat(PRIVACY_APP);
  const refused = settle(other.authorizeForMiniProgram({ scope: 'scope.camera' }));
  await refusing.answerNext('deny', ['privacy']);
  assert.deepEqual(await refused, { ok: false, value: { errno: 104, errMsg: 'authorizeForMiniProgram:fail privacy permission is not authorized' } });
});

test('wx.authorizeForMiniProgram: other scopes fail with the native message and ask nobody', T, async () => {
  const { wx, user } = await wechat(await plainApp());
  const seen = await callback(wx.authorizeForMiniProgram, { scope: 'scope.userLocation' });
  assert.deepEqual(seen.calls, ['fail', 'complete']);
  assert.deepEqual(seen.fail, { errMsg: 'authorizeForMiniProgram:fail scope "scope.userLocation" is not supported to be authorized by plugin' });
  assert.deepEqual(await user.pendingConsents(), []);
});

test('privacy and plugin endpoints refuse sessions of other platforms with a 400 problem', T, async () => {
  const { user, token } = await host.launch('bytedance', 'tt');
  for (const [method, path] of [['GET', '/api/v1/privacy'], ['POST', '/api/v1/privacy/authorize'], ['GET', '/api/v1/privacy/contract'], ['POST', '/api/v1/plugin/authorize']]) {
    const response = await fetch(host.base + path, {
      method,
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify({ scope: 'scope.camera' }) : undefined,
    });
    assert.equal(response.status, 400, path);
    assert.equal((await response.json()).code, 'wechat_only', path);
  }

  const tt = UniBridge.install({ host: host.base, token, platform: 'bytedance', target: {} });
  assert.equal(tt.requirePrivacyAuthorize, undefined, 'WeChat-only calls are not on other platforms');
  assert.equal(tt.authorizeForMiniProgram, undefined);
});

test('a host with shorter long polls than the bridge asks for: the bridge adapts and keeps waiting for the user', T, async () => {
  const { wx, user } = await wechat(await plainApp());
  const call = settle(wx.authorize({ scope: 'scope.userLocation' }));
  const consent = await user.nextConsent();
  await delay(4000); // longer than one long poll of this host
  await user.answer(consent.id, 'allow');
  assert.deepEqual(await call, { ok: true, value: { errMsg: 'authorize:ok' } });
});

test('wx.chooseImage on an app with a contract: no scope to ask, but the contract first; refused, errno 104 and no picker', T, async () => {
  const picked = [];
  const providers = { chooseImage: () => { picked.push(1); return { tempFilePaths: ['cat.png'] }; } };
  const agreeing = await wechat(PRIVACY_APP, { providers });

  const call = settle(agreeing.wx.chooseImage({ count: 1 }));
  await agreeing.user.answerNext('allow', ['privacy']);
  assert.deepEqual(await call, { ok: true, value: { tempFilePaths: ['cat.png'], errMsg: 'chooseImage:ok' } });
  assert.deepEqual(await agreeing.user.pendingConsents(), [], 'the picker asks for no scope');

  const refusing = await wechat(PRIVACY_APP, { providers });
  refusing.wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'disagree' }));
  assert.deepEqual(await settle(refusing.wx.chooseImage({ count: 1 })), { ok: false, value: refused('chooseImage') });
  assert.deepEqual(picked, [1], 'a refused contract reaches no provider');
});
