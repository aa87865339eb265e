'use strict';
// The APIs behind the scopes on every platform's global, against a real host: each API asks for its scope when
// undetermined, runs its provider when granted, and fails at once with its own native payload when denied; WeChat's
// pickers and user info run without asking; without a provider an API fails the platform's "not supported" way.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
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
    // getOpenUserInfo asks nothing and answers 40003 until auth_user is granted: its own test below.
    getLocation: LOCATION, saveImageToPhotosAlbum: ALBUM, saveImage: ALBUM, saveVideoToPhotosAlbum: ALBUM, scan: CAMERA,
    chooseImage: 'scope.photosAlbum', chooseVideo: 'scope.photosAlbum',
    getAuthUserInfo: 'scope.userInfo', chooseLocation: null, choosePhoneContact: null, chooseAlipayContact: null, chooseContact: null,
    addPhoneContact: null, openBluetoothAdapter: null,
  },
  bytedance: {
    getUserInfo: 'scope.userInfo', getUserProfile: 'scope.userInfo', getLocation: LOCATION, chooseLocation: LOCATION,
    saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM, scanCode: CAMERA, chooseImage: CAMERA, chooseVideo: CAMERA,
  },
  baidu: {
    getUserInfo: 'scope.userInfo', getLocation: LOCATION, chooseLocation: LOCATION, saveImageToPhotosAlbum: ALBUM, saveVideoToPhotosAlbum: ALBUM,
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
      // An auth scope (getAuthCode's auth_user) is refused with 11 whatever was kept; a kept refusal (the settings page,
      // or "don't ask again") fails Alipay's device permissions with 2002.
      if (scope === 'scope.userInfo') return { error: 11, errorMessage: '用户取消授权', authErrorScopes: { auth_user: 11 } };
      return { error: 2002, errorMessage: '用户已拒绝授权，且选择不再询问', authErrorScopes: { [ALIPAY_NATIVE[scope] || scope]: 2002 } };
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

// The APIs whose data the host holds (user info, WeChat's step counts): their success is the host's, not a provider's.
const HOST_DATA = {
  wechat: ['getUserInfo', 'getUserProfile', 'getWeRunData'], alipay: ['getOpenUserInfo', 'getAuthUserInfo'], bytedance: ['getUserInfo', 'getUserProfile'],
  baidu: ['getUserInfo'], kuaishou: ['getUserInfo'],
};
const EXCHANGES = ['wechat', 'bytedance', 'baidu'];

/** Providers that answer every API with what they were asked, so a test sees its options reach the provider. */
function echoProviders(platform) {
  const providers = {};
  for (const api of Object.keys(APIS[platform])) {
    providers[api] = (options, context) => ({ echo: options.tag, api: context.api, platform: context.platform });
  }

  return providers;
}

/** A mini-app of a new app and user; with exchange, logged in and its code exchanged by the app's server. */
async function miniApp(platform, options = {}) {
  const { appId, app, user, token } = await host.launch(platform);
  const target = {};
  const api = UniBridge.install(Object.assign({ host: host.base, token, platform, target }, options));
  const sessionKey = options.exchange ? await exchange(platform, app, await api.login()) : null;
  return { appId, user, api, sessionKey, token, userName: user.user.name };
}

/** What the app's server does with a login code: the platform's code exchange; returns the session_key. */
async function exchange(platform, app, login) {
  const post = (path, body, json) => fetch(host.base + '/api/v1/exchange/' + path, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  }).then((r) => r.json());
  if (platform === 'wechat') {
    return (await post('wechat/jscode2session', { appid: app.id, secret: app.secret, js_code: login.code, grant_type: 'authorization_code' })).session_key;
  }

  // Baidu's and ByteDance's own paths under the host's prefix for the platform, as their SDKs call them with the base
  // URL changed.
  if (platform === 'baidu') {
    return (await post('baidu/oauth/jscode2sessionkey', { code: login.code, client_id: app.id, sk: app.secret })).session_key;
  }

  return (await post('bytedance/api/apps/v2/jscode2session', { appid: app.id, secret: app.secret, code: login.code }, true)).data.session_key;
}

function decrypt(payload, sessionKey) {
  const decipher = crypto.createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(payload.iv, 'base64'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(payload.encryptedData, 'base64')), decipher.final()]).toString('utf8'));
}

/**
 * What the app's server does with swan.getUserInfo's data, as Baidu's decryption sample does it: AES-192-CBC with the
 * 24-byte base64-decoded session_key and the iv, cipher padding off, then a pad of 1 to 32 bytes stripped (a byte
 * outside that range means no pad), 16 random bytes skipped, a big-endian length, the JSON, and the app key checked.
 */
function decryptBaidu(payload, sessionKey, appKey) {
  const key = Buffer.from(sessionKey, 'base64');
  assert.equal(key.length, 24, 'Baidu\'s session_key decodes to 24 bytes');
  const decipher = crypto.createDecipheriv('aes-192-cbc', key, Buffer.from(payload.iv, 'base64'));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(payload.data, 'base64')), decipher.final()]);
  assert.equal(padded.length % 32, 0, 'padded to Baidu\'s 32-byte block');
  let pad = padded[padded.length - 1];
  if (pad < 1 || pad > 32) {
    pad = 0;
  }

  const plain = padded.subarray(16, padded.length - pad);
  const length = plain.readUInt32BE(0);
  assert.equal(plain.subarray(4 + length).toString('utf8'), appKey, 'the app key follows the data');
  return JSON.parse(plain.subarray(4, 4 + length).toString('utf8'));
}

const sha1 = (text) => crypto.createHash('sha1').update(text, 'utf8').digest('hex');

/** A granted call's success: the provider's echo, or for host data the platform's shape checked with the session key. */
function assertSuccess(platform, name, value, tag, context, message) {
  if (!HOST_DATA[platform].includes(name)) {
    assert.deepEqual(value, granted(platform, name, { echo: tag, api: name, platform }), message);
    return;
  }

  if (platform === 'alipay' && name === 'getAuthUserInfo') {
    assert.deepEqual(value, { nickName: context.userName, avatar: '' }, message);
    return;
  }

  if (platform === 'alipay') {
    assert.equal(JSON.parse(value.response).response.code, '10000', message);
    return;
  }

  assert.equal(value.errMsg, name + ':ok', message);

  assert.equal(value.userInfo.nickName, platform === 'wechat' ? '微信用户' : context.userName, message);
  if (platform === 'baidu') {
    assert.equal(decryptBaidu(value, context.sessionKey, context.appId).nickname, context.userName, message);
    return;
  }

  if (platform !== 'kuaishou') {
    assert.equal(value.signature, sha1(value.rawData + context.sessionKey), message);
  }
}

for (const platform of Object.keys(APIS)) {
  const global = GLOBALS[platform];

  test(`${global}: every API asks when undetermined, runs its provider when granted, fails at once when denied`, T, async () => {
    const context = await miniApp(platform, { providers: echoProviders(platform), exchange: EXCHANGES.includes(platform) });
    const { appId, user, api } = context;
    const asked = new Set();
    for (const [name, scope] of Object.entries(APIS[platform])) {
      assert.equal(typeof api[name], 'function', `${global}.${name} is installed`);
      if (scope === null) {
        assertSuccess(platform, name, await api[name]({ tag: 1 }), 1, context, `${global}.${name} runs without asking`);
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
      if (platform === 'wechat' && name === 'getWeRunData') {
        // The host seals only its operator's step provider's counts, and this host registers none.
        assert.deepEqual(seen.calls, ['fail', 'complete'], `${global}.${name} undetermined`);
        assert.deepEqual(seen.fail, notSupported(platform, name), `${global}.${name} granted without a step provider`);
      } else {
        assert.deepEqual(seen.calls, ['success', 'complete'], `${global}.${name} undetermined`);
        assertSuccess(platform, name, seen.success, 1, context, `${global}.${name} undetermined: the consent, then the provider`);
        assertSuccess(platform, name, await api[name]({ tag: 2 }), 2, context, `${global}.${name} granted: promise form`);
      }

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

test('wx.getUserProfile: the anonymous profile without asking, signed and encrypted with the session key of the code exchange', T, async () => {
  const { user, api, appId, sessionKey } = await miniApp('wechat', { exchange: true });

  const profile = await callback(api.getUserProfile, { desc: 'show the avatar' });
  const info = await api.getUserInfo({ withCredentials: false });

  assert.deepEqual(profile.calls, ['success', 'complete']);
  const success = profile.success;
  assert.equal(success.errMsg, 'getUserProfile:ok');
  assert.equal(success.userInfo.nickName, '微信用户');
  assert.deepEqual(JSON.parse(success.rawData), success.userInfo);
  assert.equal(success.signature, sha1(success.rawData + sessionKey));
  const data = decrypt(success, sessionKey);
  assert.equal(data.watermark.appid, appId);
  assert.equal(data.nickName, '微信用户');
  assert.equal(data.openId, undefined, 'getUserProfile seals no openId since 2022');
  assert.equal(data.unionId, undefined, 'nor a unionId');
  assert.equal(info.errMsg, 'getUserInfo:ok');
  assert.deepEqual(info.userInfo, success.userInfo);
  assert.equal(info.signature, undefined, 'withCredentials: false carries nothing signed');
  assert.deepEqual(await user.pendingConsents(), []);
  assert.equal((await api.getSetting()).authSetting['scope.userInfo'], true);
});

test('wx.getUserProfile before any wx.login succeeds, sealed with the session\'s own key, which the next login replaces', T, async () => {
  const { api } = await miniApp('wechat');

  const before = await settle(api.getUserProfile({ desc: 'show the avatar' }));

  assert.equal(before.ok, true);
  assert.equal(before.value.errMsg, 'getUserProfile:ok');
  assert.equal(before.value.userInfo.nickName, '微信用户');
  assert.equal(typeof before.value.signature, 'string');
  assert.equal(typeof before.value.encryptedData, 'string');
});

test('wx.authorize scope.userInfo: granted at once without a dialog, and getSetting reports it true', T, async () => {
  const { user, api } = await miniApp('wechat');

  assert.deepEqual(await settle(api.authorize({ scope: 'scope.userInfo' })), { ok: true, value: { errMsg: 'authorize:ok' } });
  assert.deepEqual(await user.pendingConsents(), []);
  assert.equal((await api.getSetting()).authSetting['scope.userInfo'], true);
});

test('wx.getWeRunData: a page\'s own steps are never sent to be sealed; without the host\'s step provider not supported', T, async () => {
  const sent = [];
  const spy = (url, init) => {
    sent.push({ url: String(url), body: init && init.body });
    return fetch(url, init);
  };
  const made = await miniApp('wechat', { exchange: true, fetch: spy, providers: { getWeRunData: () => ({ stepInfoList: [{ timestamp: 1764518400, step: 999999 }] }) } });
  const call = settle(made.api.getWeRunData());
  await made.user.answerNext('allow', ['scope.werun']);

  assert.deepEqual(await call, { ok: false, value: notSupported('wechat', 'getWeRunData') });
  const data = sent.filter((r) => r.url.endsWith('/api/v1/apis/getWeRunData/data'));
  assert.equal(data.length, 1, 'the bridge asks the host');
  assert.deepEqual(JSON.parse(data[0].body), {}, 'and sends no steps');

  const forged = await fetch(host.base + '/api/v1/apis/getWeRunData/data', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + made.token },
    body: JSON.stringify({ stepInfoList: [{ timestamp: 1764518400, step: 999999 }] }),
  });
  assert.equal(forged.status, 400);
  assert.equal((await forged.json()).code, 'steps_not_accepted');
});

test('my.getOpenUserInfo: 40003 without the user\'s authorization, then the response string from the host profile the user set', T, async () => {
  const { user, api } = await miniApp('alipay');
  await user.send('PUT', '/api/v1/user/profile', { nickName: '小明', avatarUrl: 'https://example.com/a.png' });

  const before = await settle(api.getOpenUserInfo());
  assert.equal(before.ok, true, 'a success callback, not a fail');
  assert.deepEqual(JSON.parse(before.value.response),
    { response: { code: '40003', msg: 'Insufficient Conditions', subCode: 'isv.invalid-auth-relations', subMsg: '无效的授权关系' } });
  assert.deepEqual(await user.pendingConsents(), [], 'getOpenUserInfo asks nothing');

  const authorized = settle(api.getAuthCode({ scopes: 'auth_user' }));
  await user.answerNext('allow', ['scope.userInfo']);
  assert.equal((await authorized).ok, true);
  const answer = await settle(api.getOpenUserInfo());

  assert.equal(answer.ok, true);
  assert.deepEqual(JSON.parse(answer.value.response), { response: { code: '10000', msg: 'Success', nickName: '小明', avatar: 'https://example.com/a.png' } });
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
    // WeChat words the recorder's failures as its internal operateRecorder call.
    assert.deepEqual(events[2], ['error', denied(platform, platform === 'wechat' ? 'operateRecorder' : 'RecorderManager.start', 'scope.record')]);
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

test('swan.getUserInfo: the host profile, sealed for the app\'s server with the session key of getSessionKeyByCode', T, async () => {
  const before = await miniApp('baidu');
  const early = settle(before.api.getUserInfo());
  await before.user.answerNext('allow', ['scope.userInfo']);
  assert.deepEqual(await early, { ok: false, value: { errCode: 10008, errMsg: 'getUserInfo:fail please login' } }, 'no exchange yet: nothing to seal with');

  const { user, api, appId, sessionKey } = await miniApp('baidu', { exchange: true });
  await user.send('PUT', '/api/v1/user/profile', { nickName: '小度', avatarUrl: 'https://example.com/d.png' });
  const call = settle(api.getUserInfo());
  await user.answerNext('allow', ['scope.userInfo']);
  const answer = await call;

  assert.equal(answer.ok, true);
  assert.equal(answer.value.errMsg, 'getUserInfo:ok');
  assert.deepEqual(answer.value.userInfo, { nickName: '小度', avatarUrl: 'https://example.com/d.png', gender: 0 });
  const sealed = decryptBaidu(answer.value, sessionKey, appId);
  assert.deepEqual(Object.keys(sealed), ['openid', 'nickname', 'headimgurl', 'sex']);
  assert.equal(sealed.headimgurl, 'https://example.com/d.png');
  assert.deepEqual((await api.getSetting()).authSetting, { 'scope.userInfo': true });
});

test('my.getLocation: asks for Alipay\'s location permission, kept under its settings key "location"', T, async () => {
  const { user, api } = await miniApp('alipay', { providers: { getLocation: () => ({ latitude: '31.2304', longitude: '121.4737' }) } });

  const call = settle(api.getLocation({ type: 1 }));
  await user.answerNext('allow', [LOCATION]);

  assert.deepEqual(await call, { ok: true, value: { latitude: '31.2304', longitude: '121.4737' } });
  assert.equal((await api.getSetting()).authSetting.location, true);
});
