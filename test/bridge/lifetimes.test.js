'use strict';
// Answers with a lifetime against a real host: "allow once" gives each platform's normal success payload to the call
// that asked and the next call asks again; "allow while using" (location) lasts for the mini-app session.

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
const CASES = {
  wechat: { api: 'saveImageToPhotosAlbum', scope: 'scope.writePhotosAlbum' },
  alipay: { api: 'chooseImage', scope: 'scope.photosAlbum' },
  bytedance: { api: 'getLocation', scope: 'scope.userLocation' },
  baidu: { api: 'chooseImage', scope: 'scope.camera' },
  kuaishou: { api: 'getLocation', scope: 'scope.userLocation' },
};

for (const [platform, { api: name, scope }] of Object.entries(CASES)) {
  const global = GLOBALS[platform];

  test(`${global}.${name}: allow once succeeds with the payload of allow, and the next call asks again`, T, async () => {
    const { user, token } = await host.launch(platform);
    const api = UniBridge.install({ host: host.base, token, platform, target: {}, providers: { [name]: () => ({ done: true }) } });

    const onceCall = callback(api[name], {});
    await user.answerNext('allowOnce', [scope]);
    const once = await onceCall;
    const nextCall = callback(api[name], {});
    await user.answerNext('allow', [scope]);
    const allowed = await nextCall;

    assert.deepEqual(once.calls, ['success', 'complete']);
    assert.deepEqual(once.success, allowed.success, 'the same success payload as a standing grant');
  });
}

test('wx.getLocation: allow while using lasts for the session; a new session after a revocation asks again', T, async () => {
  const { appId, user, token } = await host.launch('wechat');
  const providers = { getLocation: () => ({ latitude: 1, longitude: 2 }) };
  const api = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {}, providers });

  const first = callback(api.getLocation, {});
  await user.answerNext('allowWhileUsing', ['scope.userLocation']);
  assert.deepEqual((await first).success, { latitude: 1, longitude: 2, errMsg: 'getLocation:ok' });
  assert.deepEqual(await api.getLocation(), { latitude: 1, longitude: 2, errMsg: 'getLocation:ok' });
  assert.deepEqual(await user.pendingConsents(), []);

  await host.revokeSession(token);
  const again = UniBridge.install({ host: host.base, token: await user.launch(appId), platform: 'wechat', target: {}, providers });
  const asked = callback(again.getLocation, {});
  const consent = await user.answerNext('deny', ['scope.userLocation']);
  assert.ok(consent.id, 'the new session asks again');
  assert.deepEqual((await asked).calls, ['fail', 'complete']);
});
