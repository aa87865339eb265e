'use strict';
// Declarations against a real host: an app with a manifest that does not declare an API (WeChat's
// requiredPrivateInfos) or its scope's purpose (permission) gets the platform's failure at once, and no dialog.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, callback } = require('./support/host');

const T = { timeout: 120000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

const GLOBALS = { wechat: 'wx', alipay: 'my', bytedance: 'tt', baidu: 'swan', kuaishou: 'ks' };

// Per platform: the manifest registered, the API called, and the payload its fail callback receives.
const CASES = {
  wechat: {
    manifest: { permission: { 'scope.userLocation': { desc: '用于推荐附近门店' } } },
    api: 'getLocation',
    fail: { errMsg: 'getLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json' },
  },
  alipay: {
    manifest: { permission: { 'scope.writePhotosAlbum': { desc: 'Save your poster' } } },
    api: 'chooseImage',
    fail: { error: 4, errorMessage: '无权限调用', authErrorScopes: { 'scope.photosAlbum': 4 } },
  },
  bytedance: {
    manifest: { permission: { 'scope.camera': { desc: 'Scan codes' } } },
    api: 'getLocation',
    fail: { errMsg: 'getLocation:fail require permission desc', errNo: '10206' },
  },
  baidu: {
    manifest: { permission: { 'scope.camera': { desc: 'Scan codes' } } },
    api: 'getLocation',
    fail: { errCode: 10008, errMsg: 'getLocation:fail require permission desc' },
  },
  kuaishou: {
    manifest: { permission: { 'scope.camera': { desc: 'Scan codes' } } },
    api: 'getLocation',
    fail: { errMsg: 'getLocation:fail 小程序未在 AppConfig 中注册该权限' },
  },
};

for (const [platform, { manifest, api: name, fail }] of Object.entries(CASES)) {
  const global = GLOBALS[platform];

  test(`${global}.${name}: undeclared in the app's manifest, fails the platform's way without a dialog`, T, async () => {
    const { appId, user, token } = await host.launch(platform);
    await host.setManifest(appId, manifest);
    const api = UniBridge.install({ host: host.base, token, platform, target: {}, providers: { [name]: () => ({}) } });

    const seen = await callback(api[name], {});

    assert.deepEqual(seen.calls, ['fail', 'complete']);
    assert.deepEqual(seen.fail, fail);
    assert.deepEqual(await user.pendingConsents(), [], 'no dialog for an undeclared call');
  });
}

test('wx.getLocation: declared in both fields, asks once and succeeds with the normal payload', T, async () => {
  const { appId, user, token } = await host.launch('wechat');
  await host.setManifest(appId, { permission: { 'scope.userLocation': { desc: 'Nearby shops' } }, requiredPrivateInfos: ['getLocation'] });
  const api = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {}, providers: { getLocation: () => ({ latitude: 1, longitude: 2 }) } });

  const call = callback(api.getLocation, {});
  await user.answerNext('allow', ['scope.userLocation']);
  const seen = await call;

  assert.deepEqual(seen.calls, ['success', 'complete']);
  assert.deepEqual(seen.success, { latitude: 1, longitude: 2, errMsg: 'getLocation:ok' });
});
