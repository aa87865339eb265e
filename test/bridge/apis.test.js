'use strict';
// The APIs behind the scopes on every platform's global, against a real host: each API asks for its scope when
// undetermined, runs its provider when granted, and fails at once with its own native payload when denied; WeChat's
// pickers and user info run without asking; without a provider an API fails the platform's "not supported" way.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, callback, settle } = require('./support/host');

const T = { timeout: 120000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

const LOCATION = 'scope.userLocation';
const CAMERA = 'scope.camera';
const ALBUM = 'scope.writePhotosAlbum';

// Each global's APIs with the scope each asks for (null: the platform runs it without asking).
const APIS = {
  wechat: {
    getLocation: LOCATION, startLocationUpdate: LOCATION, getFuzzyLocation: 'scope.userFuzzyLocation',
    chooseLocation: null, choosePoi: null, getUserInfo: null, getUserProfile: null, getWeRunData: 'scope.werun',
    startRecord: 'scope.record', saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM,
    scanCode: null, chooseImage: null, chooseVideo: null, chooseMedia: null, openBluetoothAdapter: 'scope.bluetooth',
    addPhoneContact: 'scope.addPhoneContact', addPhoneCalendar: 'scope.addPhoneCalendar', addPhoneRepeatCalendar: 'scope.addPhoneCalendar',
    chooseAddress: null, chooseInvoice: null, chooseInvoiceTitle: null,
  },
  alipay: {
    getOpenUserInfo: 'scope.userInfo', saveImage: ALBUM, saveVideoToPhotosAlbum: ALBUM, scanCode: CAMERA, chooseImage: CAMERA, chooseVideo: CAMERA,
  },
  bytedance: {
    getUserInfo: 'scope.userInfo', getUserProfile: 'scope.userInfo', getLocation: LOCATION, chooseLocation: LOCATION,
    saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM, scanCode: CAMERA, chooseImage: CAMERA, chooseVideo: CAMERA,
  },
  baidu: {
    getLocation: LOCATION, chooseLocation: LOCATION, saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM,
    scanCode: CAMERA, chooseImage: CAMERA, chooseVideo: CAMERA, addEventOnCalendar: 'scope.calendar', deleteEventOnCalendar: 'scope.calendar',
  },
  kuaishou: {
    getUserInfo: 'scope.userInfo', getLocation: LOCATION, chooseLocation: LOCATION, startLocationUpdateBackground: 'scope.userLocationBackground',
    saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM, scanCode: CAMERA, chooseImage: CAMERA, chooseVideo: CAMERA,
  },
};

const GLOBALS = { wechat: 'wx', alipay: 'my', bytedance: 'tt', baidu: 'swan', kuaishou: 'ks' };
const ALIPAY_NATIVE = { 'scope.userInfo': 'auth_user' };

/** The success payload of an API whose provider answered `fields`. */
function granted(platform, api, fields) {
  return platform === 'alipay' ? fields : Object.assign({}, fields, { errMsg: api + ':ok' });
}

/** The native payload of an API whose scope the user denied. */
function denied(platform, api, scope) {
  const errMsg = api + ':fail auth deny';
  switch (platform) {
    case 'alipay':
      return { error: 11, errorMessage: '用户取消授权', authErrorScopes: { [ALIPAY_NATIVE[scope] || scope]: 11 } };
    case 'bytedance':
      return { errMsg, errNo: '10200' };
    case 'baidu':
      return { errCode: 10003, errMsg };
    default:
      return { errMsg };
  }
}

function notSupported(platform, api) {
  const errMsg = api + ':fail not supported';
  switch (platform) {
    case 'alipay':
      return { error: 1, errorMessage: '接口不存在' };
    case 'bytedance':
      return { errMsg, errNo: '10204' };
    case 'baidu':
      return { errCode: 10001, errMsg };
    default:
      return { errMsg };
  }
}

/** Providers that answer every API with what they were asked, so a test sees its options reach the provider. */
function echoProviders(platform) {
  const providers = {};
  for (const api of Object.keys(APIS[platform])) {
    providers[api] = (options, context) => ({ echo: options.tag, api: context.api, platform: context.platform });
  }

  return providers;
}

async function miniApp(platform, options = {}) {
  const { appId, user, token } = await host.launch(platform);
  const target = {};
  const api = UniBridge.install(Object.assign({ host: host.base, token, platform, target }, options));
  return { appId, user, api };
}

for (const platform of Object.keys(APIS)) {
  const global = GLOBALS[platform];

  test(`${global}: every API asks when undetermined, runs its provider when granted, fails at once when denied`, T, async () => {
    const { appId, user, api } = await miniApp(platform, { providers: echoProviders(platform) });
    const asked = new Set();
    for (const [name, scope] of Object.entries(APIS[platform])) {
      assert.equal(typeof api[name], 'function', `${global}.${name} is installed`);
      const answer = (tag) => granted(platform, name, { echo: tag, api: name, platform });
      if (scope === null) {
        assert.deepEqual(await api[name]({ tag: 1 }), answer(1), `${global}.${name} runs without asking`);
        assert.deepEqual(await user.pendingConsents(), [], `${global}.${name} asks nothing`);
        continue;
      }

      if (asked.has(scope)) {
        // Another API of the scope asked before: the user resets it in the settings page.
        await user.setSetting(appId, scope, 'notDetermined');
      }

      asked.add(scope);
      const first = callback(api[name], { tag: 1 });
      await user.answerNext('allow', [scope]);
      const seen = await first;
      assert.deepEqual(seen.calls, ['success', 'complete'], `${global}.${name} undetermined`);
      assert.deepEqual(seen.success, answer(1), `${global}.${name} undetermined: the consent, then the provider`);

      assert.deepEqual(await api[name]({ tag: 2 }), answer(2), `${global}.${name} granted: promise form`);
      assert.deepEqual(await user.pendingConsents(), [], `${global}.${name} granted asks nothing`);

      await user.setSetting(appId, scope, 'denied');
      const refused = await callback(api[name], { tag: 3 });
      assert.deepEqual(refused.calls, ['fail', 'complete'], `${global}.${name} denied`);
      assert.deepEqual(refused.fail, denied(platform, name, scope), `${global}.${name} denied: its own native payload`);
      assert.deepEqual(await settle(api[name]()), { ok: false, value: denied(platform, name, scope) }, `${global}.${name} denied: promise rejects`);
      assert.deepEqual(await user.pendingConsents(), [], `${global}.${name} denied asks nothing`);
    }
  });

  test(`${global}: without a provider a granted API fails the platform's "not supported" way`, T, async () => {
    const { user, api } = await miniApp(platform);
    const [name, scope] = Object.entries(APIS[platform]).find(([, s]) => s !== null && s !== 'scope.userInfo');

    const call = settle(api[name]({}));
    await user.answerNext('allow', [scope]);

    assert.deepEqual(await call, { ok: false, value: notSupported(platform, name) });
    assert.equal(api.canIUse(name), true);
  });
}

test('wx: concurrent callers of one scope share one dialog', T, async () => {
  const { user, api } = await miniApp('wechat', { providers: echoProviders('wechat') });
  const calls = [api.getLocation({ tag: 1 }), api.startLocationUpdate({ tag: 2 }), api.getLocation({ tag: 3 })];

  const consent = await user.answerNext('allow', [LOCATION]);
  const results = await Promise.all(calls);

  assert.ok(consent.id);
  assert.deepEqual(results.map((r) => r.echo), [1, 2, 3]);
  assert.deepEqual(await user.pendingConsents(), [], 'one answer settled every caller');
});

test('wx.getUserInfo / getUserProfile: the anonymous profile without asking; getSetting reports scope.userInfo', T, async () => {
  const { user, api } = await miniApp('wechat');

  const info = await api.getUserInfo();
  const profile = await callback(api.getUserProfile, { desc: 'show the avatar' });

  assert.equal(info.errMsg, 'getUserInfo:ok');
  assert.equal(info.userInfo.nickName, '微信用户');
  assert.equal(info.rawData, JSON.stringify(info.userInfo));
  assert.deepEqual(profile.calls, ['success', 'complete']);
  assert.equal(profile.success.errMsg, 'getUserProfile:ok');
  assert.deepEqual(profile.success.userInfo, info.userInfo);
  assert.deepEqual(await user.pendingConsents(), []);
  assert.equal((await api.getSetting()).authSetting['scope.userInfo'], true);
});

for (const platform of ['wechat', 'bytedance', 'baidu', 'kuaishou']) {
  const global = GLOBALS[platform];

  test(`${global}.getRecorderManager: start asks for scope.record and reports through the manager's events`, T, async () => {
    const started = [];
    const { appId, user, api } = await miniApp(platform, {
      providers: {
        'RecorderManager.start': (options) => { started.push(options.duration); },
        'RecorderManager.stop': () => ({ tempFilePath: 'rec.aac', duration: 1000, fileSize: 16 }),
      },
    });
    const manager = api.getRecorderManager();
    const events = [];
    const next = () => new Promise((resolve) => {
      manager.onStart((res) => { events.push(['start', res]); resolve(); });
      manager.onStop((res) => { events.push(['stop', res]); resolve(); });
      manager.onError((res) => { events.push(['error', res]); resolve(); });
    });

    let event = next();
    manager.start({ duration: 1000 });
    await user.answerNext('allow', ['scope.record']);
    await event;
    event = next();
    manager.stop();
    await event;
    assert.deepEqual(started, [1000]);
    assert.deepEqual(events, [['start', {}], ['stop', { tempFilePath: 'rec.aac', duration: 1000, fileSize: 16 }]]);

    await user.setSetting(appId, 'scope.record', 'denied');
    event = next();
    manager.start({ duration: 1000 });
    await event;
    assert.deepEqual(events[2], ['error', denied(platform, 'RecorderManager.start', 'scope.record')]);
    assert.deepEqual(await user.pendingConsents(), []);
  });

  test(`${global}.createCameraContext: takePhoto asks for the camera; a page that creates it at load does not fail`, T, async () => {
    const { user, api } = await miniApp(platform, { providers: { 'CameraContext.takePhoto': () => ({ tempImagePath: 'photo.jpg' }) } });
    const camera = api.createCameraContext();

    const photo = camera.takePhoto({ quality: 'high' });
    await user.answerNext('allow', [CAMERA]);

    assert.deepEqual(await photo, granted(platform, 'CameraContext.takePhoto', { tempImagePath: 'photo.jpg' }));
    if (platform === 'wechat') {
      assert.deepEqual(await settle(camera.stopRecord()), { ok: false, value: notSupported(platform, 'CameraContext.stopRecord') });
    } else {
      assert.equal(camera.startRecord, undefined, 'only WeChat gates a camera video');
    }
  });
}

test('wx.getAppBaseInfo: answers at once for pages that read it at load', () => {
  const target = {};
  const wx = UniBridge.install({ host: 'http://127.0.0.1:1', token: 'st_x', platform: 'wechat', target });

  const info = wx.getAppBaseInfo();

  assert.equal(info.SDKVersion, UniBridge.version);
  assert.equal(info.language, 'zh_CN');
  assert.equal(typeof wx.getRecorderManager().onStop, 'function');
});
