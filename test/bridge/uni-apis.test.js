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
async function startMiniApp(platform, options = {}) {
  const appId = unique('uni-' + platform);
  await host.createApp(appId, platform);
  const user = await host.browser(unique('user'));
  for (const name of GLOBALS) {
    delete globalThis[name];
  }

  UniBridge.install(Object.assign({ host: host.base, token: await user.launch(appId), platform }, options));
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
    if (platform === 'alipay') {
      // Alipay keeps no refusal of getAuthCode: "call again to ask again".
      const asked = settle(refusing.uni.authorize({ scope: c.scope }));
      await refusing.user.answerNext('deny', c.asked);
      assert.deepEqual(await asked, { ok: false, value: c.denied }, 'refused: asked again, refused again');
    } else {
      assert.deepEqual(await settle(refusing.uni.authorize({ scope: c.scope })), { ok: false, value: c.denied }, 'denied: rejected at once');
    }
  });
}

// The scopes ByteDance and Baidu still ask for where WeChat stopped (docs/platforms.md): through the package's
// authorize, asked once, then granted at once; Kuaishou has neither.
const MORE = [
  { platform: 'bytedance', scope: 'scope.address' },
  { platform: 'baidu', scope: 'scope.address' },
  { platform: 'baidu', scope: 'scope.invoiceTitle' },
];

for (const { platform, scope } of MORE) {
  test(`@uni/apis authorize ${scope} on ${platform}: asked once, then granted without a dialog`, T, async () => {
    const { uni, user } = await startMiniApp(platform);
    const granted = settle(uni.authorize({ scope }));
    await user.answerNext('allow', [scope]);
    assert.equal((await granted).ok, true);
    assert.equal((await settle(uni.authorize({ scope }))).ok, true);
    assert.deepEqual(await user.pendingConsents(), []);
  });
}

test('@uni/apis authorize scope.address on kuaishou: Kuaishou\'s invalid scope, no dialog', T, async () => {
  const { uni, user } = await startMiniApp('kuaishou');
  assert.deepEqual(await settle(uni.authorize({ scope: 'scope.address' })), { ok: false, value: { errMsg: 'invalid scope' } });
  assert.deepEqual(await user.pendingConsents(), []);
});

// The package's location and image APIs call the platform's own names (wx.saveImageToPhotosAlbum, my.saveImage ...),
// which the bridge runs through the host's gate and then its providers. Alipay's my.getLocation asks for its location
// permission (the settings key "location").
const POSITION = { latitude: 31.2304, longitude: 121.4737, accuracy: 20, horizontalAccuracy: 20, speed: -1, altitude: 0 };
const PICKED = { tempFilePaths: ['cat.png'], tempFiles: [{ path: 'cat.png', size: 68 }] };
const MEDIA = {
  wechat: { location: 'scope.userLocation', camera: null, album: 'scope.writePhotosAlbum', save: 'saveImageToPhotosAlbum' },
  bytedance: { location: 'scope.userLocation', camera: 'scope.camera', album: 'scope.writePhotosAlbum', save: 'saveImageToPhotosAlbum' },
  baidu: { location: 'scope.userLocation', camera: 'scope.camera', album: 'scope.writePhotosAlbum', save: 'saveImageToPhotosAlbum' },
  kuaishou: { location: 'scope.userLocation', camera: 'scope.camera', album: 'scope.writePhotosAlbum', save: 'saveImageToPhotosAlbum' },
  alipay: { location: 'scope.userLocation', camera: 'scope.photosAlbum', album: 'scope.writePhotosAlbum', save: 'saveImage' },
};

for (const [platform, m] of Object.entries(MEDIA)) {
  test(`@uni/apis location and image on ${platform}: asked, run by the providers, then refused once denied`, T, async () => {
    const saved = [];
    const providers = {
      getLocation: () => POSITION,
      chooseImage: () => PICKED,
      [m.save]: (options) => { saved.push(options.filePath || options.url); return {}; },
    };
    const { uni, user } = await startMiniApp(platform, { providers });

    // Each call asks for its scope (WeChat's picker asks nothing), then the provider answers through the package.
    const answered = async (call, scope) => {
      const pending = settle(call());
      if (scope) {
        await user.answerNext('allow', [scope]);
      }

      return pending;
    };
    const located = await answered(() => uni.location.getLocation({ type: 'gcj02' }), m.location);
    assert.equal(located.ok, true);
    assert.equal(located.value.latitude, '31.2304', 'the package turns the numbers into strings');
    assert.equal(located.value.longitude, '121.4737');

    const picked = await answered(() => uni.image.chooseImage({ count: 1 }), m.camera);
    assert.equal(picked.ok, true);
    assert.deepEqual(picked.value.tempFilePaths, ['cat.png']);

    const stored = await answered(() => uni.image.saveImage({ filePath: 'cat.png', url: 'cat.png' }), m.album);
    assert.equal(stored.ok, true);
    assert.deepEqual(saved, ['cat.png']);
    assert.deepEqual(await user.pendingConsents(), []);

    // Another user of the app refuses the album: the package's promise rejects with the API's own payload, at once.
    const refusing = await startMiniApp(platform, { providers });
    const first = settle(refusing.uni.image.saveImage({ filePath: 'cat.png', url: 'cat.png' }));
    // Alipay keeps a refusal only with "don't ask again" ticked (2003, then 2002 at once).
    await refusing.user.answerNext(platform === 'alipay' ? 'denyDontAskAgain' : 'deny', [m.album]);
    const refused = await first;
    const again = await settle(refusing.uni.image.saveImage({ filePath: 'cat.png', url: 'cat.png' }));
    assert.equal(refused.ok, false);
    if (platform === 'alipay') {
      assert.equal(refused.value.error, 2003);
      assert.equal(again.value.error, 2002);
    } else {
      assert.deepEqual(again, refused);
      assert.equal(refused.value.errMsg, m.save + ':fail auth deny');
    }

    assert.deepEqual(saved, ['cat.png'], 'a refused save reaches no provider');
    assert.deepEqual(await refusing.user.pendingConsents(), []);
  });
}
