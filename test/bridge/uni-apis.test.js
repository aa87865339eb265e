'use strict';
// The published @uni/apis package (the version package-lock.json records), unmodified, on the bridge: its platform
// detection finds the bridge's global and its authorize works on each of the five platforms, with callbacks and as a
// promise, granted and denied, against a real host.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { useHost, callback, settle, unique } = require('./support/host');

const T = { timeout: 60000 };
const PACKAGE = path.join(__dirname, 'node_modules', '@uni', 'apis');
// The package's ES module entry does not load in Node (extensionless imports); its CommonJS build is the one to run.
const ENTRY = path.join(PACKAGE, 'lib', 'main', 'index.js');
const GLOBALS = ['wx', 'my', 'tt', 'swan', 'ks'];
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

after(() => {
  for (const name of GLOBALS) {
    delete globalThis[name];
  }
});

/** Installs the platform's global on globalThis and loads @uni/apis afresh, as a mini-app starting up would. */
async function startMiniApp(platform) {
  const appId = unique('uni-' + platform);
  await host.createApp(appId, platform);
  const user = await host.browser(unique('user'));
  for (const name of GLOBALS) {
    delete globalThis[name];
  }

  UniBridge.install({ host: host.base, token: await user.launch(appId), platform });
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(PACKAGE + path.sep)) {
      delete require.cache[file];
    }
  }

  const uni = require(ENTRY);
  return { uni, user };
}

test('@uni/apis is the published 1.1.13', () => {
  assert.equal(require(path.join(PACKAGE, 'package.json')).version, '1.1.13');
});

const CASES = {
  wechat: { detected: 'isWeChatMiniProgram', scope: 'scope.userLocation', asked: ['scope.userLocation'], denied: { errMsg: 'authorize:fail auth deny' } },
  bytedance: { detected: 'isByteDanceMicroApp', scope: 'scope.writePhotosAlbum', asked: ['scope.writePhotosAlbum'], denied: { errMsg: 'authorize:fail auth deny', errNo: '10200' } },
  baidu: { detected: 'isBaiduSmartProgram', scope: 'scope.userLocation', asked: ['scope.userLocation'], denied: { errCode: 10003, errMsg: 'authorize:fail auth deny' } },
  kuaishou: { detected: 'isKuaiShouMiniProgram', scope: 'scope.userLocation', asked: ['scope.userLocation'], denied: { errMsg: 'authorize:fail auth deny' } },
  alipay: { detected: 'isMiniApp', scope: 'scope.userInfo', asked: ['scope.userInfo'], denied: { error: 11, errorMessage: '用户取消授权', authErrorScopes: { auth_user: 11 } } },
};

for (const [platform, c] of Object.entries(CASES)) {
  test(`@uni/apis authorize on ${platform}: detected, granted and denied, callbacks and promise`, T, async () => {
    const { uni, user } = await startMiniApp(platform);
    assert.equal(uni.env[c.detected], true, `@uni/apis recognises ${platform}`);
    for (const other of Object.keys(CASES).filter((p) => p !== platform)) {
      assert.equal(uni.env[CASES[other].detected], false, `not ${other}`);
    }

    // Promise form, granted. The package drops the payload except on Alipay.
    const granted = settle(uni.authorize({ scope: c.scope }));
    await user.answerNext('allow', c.asked);
    const outcome = await granted;
    assert.equal(outcome.ok, true);
    if (platform === 'alipay') {
      assert.deepEqual(outcome.value.authSuccessScopes, ['auth_user']);
      assert.equal(typeof outcome.value.authCode, 'string');
    } else {
      assert.equal(outcome.value, undefined);
    }

    // Callback form, already granted: success at once, no dialog.
    const again = await callback(uni.authorize, { scope: c.scope });
    assert.deepEqual(again.calls.slice(0, 1), ['success']);
    assert.ok(again.calls.includes('complete'));
    assert.deepEqual(await user.pendingConsents(), []);

    // A second user of the same app refuses: the promise rejects and fail gets the native payload.
    const refusing = await startMiniApp(platform);
    const deniedCallbacks = new Promise((resolve) => {
      const seen = [];
      refusing.uni.authorize({
        scope: c.scope,
        success: () => seen.push(['success']),
        fail: (res) => seen.push(['fail', res]),
        complete: () => resolve(seen),
      }).catch(() => {});
    });
    await refusing.user.answerNext('deny', c.asked);
    assert.deepEqual(await deniedCallbacks, [['fail', c.denied]]);
    assert.deepEqual(await settle(refusing.uni.authorize({ scope: c.scope })), { ok: false, value: c.denied }, 'denied: rejected at once');
  });
}
