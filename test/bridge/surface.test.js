'use strict';
// The rest of the mini-app surface against a real host: every API of the host's catalog on its global, APIs a super-app
// provides beyond the catalog (installed at load, passed straight to the provider), providers that fail the platform's
// way (cancel, systemDenied, unavailable), and the bridge and pages holding no platform table of their own.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { useHost, callback, settle } = require('./support/host');

const T = { timeout: 120000 };
let host;
let UniBridge;
let catalog;
useHost(async (started, bridge) => {
  host = started;
  UniBridge = bridge;
  catalog = await (await fetch(host.base + '/api/v1/scopes')).json();
});

const PLATFORMS = ['wechat', 'alipay', 'bytedance', 'baidu', 'kuaishou'];
const entryOf = (platform) => catalog.find((entry) => entry.platform === platform);

async function miniApp(platform, options = {}) {
  const { appId, user, token } = await host.launch(platform);
  const target = {};
  const api = UniBridge.install(Object.assign({ host: host.base, token, platform, target }, options));
  return { appId, user, api, target };
}

// What each platform answers when the person cancels, the phone's permission is off, or the device lacks the feature
// (docs/bridge.md, "Provider failures").
const EXPECTED = {
  wechat: (api) => ({
    cancel: { errMsg: `${api}:fail cancel` },
    systemDenied: { errMsg: `${api}:fail system permission denied` },
    unavailable: { errMsg: `${api}:fail not available` },
  }),
  alipay: () => ({
    cancel: { error: 11, errorMessage: '用户取消操作' },
    systemDenied: { error: 2001, errorMessage: '系统权限未开启' },
    unavailable: { error: 3, errorMessage: '当前设备不支持' },
  }),
  bytedance: (api) => ({
    cancel: { errMsg: `${api}:fail cancel`, errNo: '10207' },
    systemDenied: { errMsg: `${api}:fail system permission denied`, errNo: '10208' },
    unavailable: { errMsg: `${api}:fail not available`, errNo: '10209' },
  }),
  baidu: (api) => ({
    cancel: { errMsg: `${api}:fail cancel`, errCode: 1002 },
    systemDenied: { errMsg: `${api}:fail system permission denied`, errCode: 10004 },
    unavailable: { errMsg: `${api}:fail not available`, errCode: 10001 },
  }),
  kuaishou: (api) => ({
    cancel: { errMsg: `${api}:fail cancel` },
    systemDenied: { errMsg: `${api}:fail system permission denied` },
    unavailable: { errMsg: `${api}:fail not available` },
  }),
};

test('GET /api/v1/scopes: each platform\'s global, authorize call, APIs with scope and kind, and failures', T, async () => {
  assert.deepEqual(catalog.map((e) => [e.platform, e.global]),
    [['wechat', 'wx'], ['alipay', 'my'], ['bytedance', 'tt'], ['baidu', 'swan'], ['kuaishou', 'ks']]);
  assert.deepEqual(entryOf('wechat').authorize, { api: 'authorize', option: 'scope' });
  assert.deepEqual(entryOf('alipay').authorize, { api: 'getAuthCode', option: 'scopes', default: 'auth_base' });
  const alipay = new Map(entryOf('alipay').apis.map((a) => [a.name, a]));
  assert.deepEqual(alipay.get('getAuthUserInfo'), { name: 'getAuthUserInfo', scope: 'scope.userInfo', kind: 'data' });
  for (const name of ['chooseLocation', 'choosePhoneContact', 'chooseAlipayContact', 'chooseContact', 'addPhoneContact', 'openBluetoothAdapter']) {
    assert.deepEqual(alipay.get(name), { name, scope: null, kind: 'picker' }, `my.${name} runs without asking`);
  }

  assert.deepEqual(new Map(entryOf('wechat').apis.map((a) => [a.name, a])).get('openBluetoothAdapter').scope, 'scope.bluetooth');
  for (const platform of PLATFORMS) {
    for (const [reason, payload] of Object.entries(EXPECTED[platform]('{api}'))) {
      assert.deepEqual(entryOf(platform).failures[reason], payload, `${platform} ${reason}`);
    }
  }

  // Mini-app code in the sandbox (an opaque origin) reads it.
  const cors = await fetch(host.base + '/api/v1/scopes', { headers: { origin: 'null' } });
  assert.equal(cors.headers.get('access-control-allow-origin'), 'null');
});

for (const platform of PLATFORMS) {
  test(`${platform}: every API of the catalog is installed under its native name; gated ones ask, pickers do not`, T, async () => {
    const { api, user, target } = await miniApp(platform, { providers: {} });
    const entry = entryOf(platform);
    assert.equal(target[entry.global], api);
    for (const info of entry.apis) {
      if (info.name.includes('.')) {
        const [owner, member] = info.name.split('.');
        const object = owner === 'CameraContext' ? api.createCameraContext() : api.getRecorderManager();
        assert.equal(typeof object[member], 'function', `${info.name} is a member of the object the page creates`);
      } else {
        assert.equal(typeof api[info.name], 'function', `${entry.global}.${info.name} is installed`);
      }
    }

    const picker = entry.apis.find((a) => a.kind === 'picker');
    if (picker) {
      // No provider: the platform's "not supported", and nothing asked.
      const answer = await settle(api[picker.name]({}));
      assert.equal(answer.ok, false);
      assert.deepEqual(await user.pendingConsents(), [], `${picker.name} asks nothing`);
    }
  });

  test(`${platform}: a provider's cancel, systemDenied and unavailable become the platform's own failures`, T, async () => {
    const name = 'startBluetoothDevicesDiscovery';
    let reason = 'cancel';
    const forms = [
      (options, context) => { throw context.fail(reason); },
      (options, context) => context.fail(reason),
      () => Promise.reject({ reason }),
      () => Promise.reject(Object.assign(new Error('relayed from the page'), { reason })),
    ];
    let form = 0;
    const { api, user } = await miniApp(platform, { providers: { [name]: (options, context) => forms[form](options, context) } });
    const expected = EXPECTED[platform](name);
    for (reason of Object.keys(expected)) {
      for (form = 0; form < forms.length; form += 1) {
        const seen = await callback(api[name]);
        assert.deepEqual(seen.calls, ['fail', 'complete'], `${reason}, form ${form}`);
        assert.deepEqual(seen.fail, expected[reason], `${reason}, form ${form}`);
      }
    }

    form = 0;
    assert.deepEqual(await settle(api[name]()), { ok: false, value: expected.unavailable }, 'the promise rejects with it');
    assert.deepEqual(await user.pendingConsents(), []);
  });
}

test('wx: a gated API whose provider is cancelled after the grant fails "<api>:fail cancel"; the grant stays', T, async () => {
  const { api, user, appId } = await miniApp('wechat', { providers: { getLocation: (o, context) => { throw context.fail('cancel'); } } });
  const first = callback(api.getLocation);
  await user.answerNext('allow', ['scope.userLocation']);
  assert.deepEqual((await first).fail, { errMsg: 'getLocation:fail cancel' });
  const settings = await user.send('GET', `/api/v1/user/apps/${encodeURIComponent(appId)}/settings`);
  assert.ok(settings.body.entries.some((e) => e.scope === 'scope.userLocation' && e.state === 'granted'));
});

test('my.chooseImage (gated) and my.chooseContact (picker): a cancelled picker is Alipay\'s 11', T, async () => {
  const cancel = (o, context) => context.fail('cancel');
  const { api, user } = await miniApp('alipay', { providers: { chooseImage: cancel, chooseContact: cancel } });
  assert.deepEqual(await settle(api.chooseContact({})), { ok: false, value: { error: 11, errorMessage: '用户取消操作' } });
  const image = settle(api.chooseImage({}));
  await user.nextConsent().then((c) => user.answer(c.id, 'allow'));
  assert.deepEqual(await image, { ok: false, value: { error: 11, errorMessage: '用户取消操作' } });
});

test('a provider that fails with a reason it does not know is a system error, reported', T, async () => {
  const errors = [];
  const { api } = await miniApp('baidu', { providers: { startBeaconDiscovery: () => Promise.reject({ reason: 'sleepy' }) }, onError: (e) => errors.push(e) });
  assert.deepEqual(await settle(api.startBeaconDiscovery()), { ok: false, value: { errMsg: 'startBeaconDiscovery:fail system error', errCode: 10001 } });
  assert.equal(errors.length, 1);
});

test('a page that creates an audio context and starts a Bluetooth discovery at load runs with the super-app\'s providers', T, async () => {
  const played = [];
  const providers = {
    createInnerAudioContext: (options) => ({ src: '', play() { played.push(this.src); }, options }),
    startBluetoothDevicesDiscovery: (options) => ({ isDiscovering: true, services: options.services }),
    onBluetoothDeviceFound: (listener) => { listener({ devices: [{ deviceId: 'd1' }] }); },
    authorize: () => ({ replaced: true }),
  };
  const { api, user } = await miniApp('wechat', { providers });

  // The page's code, as it runs at load.
  const audio = api.createInnerAudioContext({ useWebAudioImplement: true });
  audio.src = 'https://example.com/a.mp3';
  audio.play();
  const found = [];
  api.onBluetoothDeviceFound((res) => found.push(...res.devices));
  const discovery = await callback(api.startBluetoothDevicesDiscovery, { services: ['FEE7'] });

  assert.deepEqual(played, ['https://example.com/a.mp3']);
  assert.deepEqual(audio.options, { useWebAudioImplement: true });
  assert.deepEqual(found, [{ deviceId: 'd1' }]);
  assert.deepEqual(discovery.success, { isDiscovering: true, services: ['FEE7'], errMsg: 'startBluetoothDevicesDiscovery:ok' });
  assert.deepEqual(await user.pendingConsents(), [], 'no scope names them: nothing asked');
  assert.equal(api.canIUse('createInnerAudioContext'), true);
  assert.equal(typeof api.authorize, 'function');
  assert.notDeepEqual(await settle(api.authorize({ scope: 'scope.nothing' })), { ok: true, value: { replaced: true } },
    'a provider never replaces the bridge\'s own functions');

  // Without the providers, the page's check finds nothing rather than a function that throws.
  const bare = await miniApp('wechat');
  assert.equal(bare.api.createInnerAudioContext, undefined);
  assert.equal(bare.api.canIUse('startBluetoothDevicesDiscovery'), false);
});

test('a provided API the catalog gates keeps its gate: wx.openBluetoothAdapter asks scope.bluetooth, my.openBluetoothAdapter asks nothing', T, async () => {
  const providers = { openBluetoothAdapter: () => ({}) };
  const wechat = await miniApp('wechat', { providers });
  const call = callback(wechat.api.openBluetoothAdapter);
  await wechat.user.answerNext('allow', ['scope.bluetooth']);
  assert.deepEqual((await call).success, { errMsg: 'openBluetoothAdapter:ok' });

  const alipay = await miniApp('alipay', { providers });
  assert.deepEqual(await alipay.api.openBluetoothAdapter(), {});
  assert.deepEqual(await alipay.user.pendingConsents(), []);
});

test('my.getAuthUserInfo: asks for the user\'s profile (auth_user), then answers nickName and avatar from the host', T, async () => {
  const { api, user } = await miniApp('alipay');
  const call = settle(api.getAuthUserInfo());
  await user.answerNext('allow', ['scope.userInfo']);
  assert.deepEqual(await call, { ok: true, value: { nickName: user.user.name, avatar: '' } });
});

test('the bridge from the source tree has no catalog: install says where to get one; connect fetches it', T, async () => {
  const source = require('../../src/Uni.Authorize.AspNetCore/Bridge/uni-bridge.js');
  assert.equal(source.catalog, null);
  assert.deepEqual(source.globals, {});
  const { token } = await host.launch('kuaishou');
  assert.throws(() => source.install({ host: host.base, token, platform: 'kuaishou', target: {} }), /no platform catalog/);

  const withCatalog = source.install({ host: host.base, token, platform: 'kuaishou', target: {}, catalog: await source.loadCatalog(host.base) });
  assert.equal(typeof withCatalog.getLocation, 'function');
  const target = {};
  const connected = await source.connect({ host: host.base, token, target });
  assert.equal(target.ks, connected);
  assert.deepEqual(Object.keys(connected).sort(), Object.keys(withCatalog).sort());
});

test('the bridge and the pages hold no platform table: no scope, API, global or failure of the catalog is written in them', T, async () => {
  const repo = path.resolve(__dirname, '..', '..');
  const files = [
    'src/Uni.Authorize.AspNetCore/Bridge/uni-bridge.js',
    'src/Uni.Authorize.AspNetCore/Pages/Assets/host.js',
    'src/Uni.Authorize.AspNetCore/Pages/Assets/mini-app.worker.js',
    'src/Uni.Authorize.AspNetCore/Pages/Assets/worker-demo.js',
  ];
  const names = new Set();
  for (const entry of catalog) {
    names.add(entry.global);
    names.add(entry.color);
    for (const scope of entry.scopes) {
      [scope.name, scope.nativeName, scope.settingKey].filter(Boolean).forEach((n) => names.add(n));
    }

    for (const info of entry.apis) {
      names.add(info.name);
    }

    for (const failure of Object.values(entry.failures)) {
      for (const value of Object.values(failure)) {
        names.add(String(value));
        // The words after ":fail", except those that are the bridge's own names for the failure kinds (cancel, timeout).
        if (typeof value === 'string' && value.startsWith('{api}:fail ') && !(value.slice('{api}:fail '.length) in entry.failures)) {
          names.add(value.slice('{api}:fail '.length));
        }
      }
    }
  }

  for (const file of files) {
    const text = fs.readFileSync(path.join(repo, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/\s\/\/ .*$/gm, '');
    const literals = [...text.matchAll(/'([^'\n]*)'|"([^"\n]*)"|`([^`]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    const found = literals.filter((literal) => names.has(literal) || /(?<!\$\{)\bscope\.[A-Za-z]/.test(literal));
    assert.deepEqual(found, [], `${file} writes catalog names itself`);
  }

  // The served bridge carries the catalog the endpoint answers.
  assert.deepEqual(JSON.parse(JSON.stringify(UniBridge.catalog)), catalog);
});
