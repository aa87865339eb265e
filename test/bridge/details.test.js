'use strict';
// Bridge details that code written elsewhere runs into: a request over the host's body limit, and the window size
// wrappers divide by.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useHost, settle } = require('./support/host');

const T = { timeout: 60000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

async function install(platform, options = {}) {
  const { token } = await host.launch(platform);
  const reported = [];
  const api = UniBridge.install(Object.assign({
    host: host.base, token, platform, target: {}, onError: (error) => reported.push(error),
  }, options));
  return { api, reported };
}

const SCOPE_CALLS = { wechat: 'authorize', bytedance: 'authorize', baidu: 'authorize', kuaishou: 'authorize', alipay: 'getAuthCode' };

for (const [platform, name] of Object.entries(SCOPE_CALLS)) {
  test(`${platform} ${name}: a scope over the host's body limit fails like a long scope, not as a system error`, T, async () => {
    const { api, reported } = await install(platform);
    const call = (scope) => settle(api[name](name === 'getAuthCode' ? { scopes: scope } : { scope }));

    const long = await call('scope.' + 'x'.repeat(4000));
    const tooLarge = await call('scope.' + 'x'.repeat(20000));

    assert.equal(long.ok, false);
    assert.equal(tooLarge.ok, false);
    const invalid = platform === 'alipay' ? { error: 2, errorMessage: '参数错误' } : long.value;
    assert.deepEqual(tooLarge.value, invalid);
    if (platform !== 'alipay') {
      assert.match(JSON.stringify(tooLarge.value), /invalid scope/);
    } else {
      assert.equal(long.value.error, 2, 'a long scope is an invalid argument on Alipay too');
    }

    assert.deepEqual(reported, [], 'the caller\'s input is not reported as a failure of the bridge');
  });
}

test('getSystemInfoSync / getSystemInfo: a 375-wide window by default, the page\'s own through install options', T, async () => {
  const { api } = await install('wechat');
  const info = api.getSystemInfoSync();
  assert.equal(info.windowWidth, 375);
  assert.equal(info.screenWidth, 375);
  assert.ok(info.windowHeight > info.windowWidth, 'a phone held upright');
  assert.ok(info.pixelRatio > 0);
  assert.equal(750 / info.windowWidth, 2, 'rpx to px divides by the width without Infinity');
  assert.deepEqual(await api.getSystemInfo(), Object.assign({}, info, { errMsg: 'getSystemInfo:ok' }));

  const { api: sized } = await install('alipay', { systemInfo: { windowWidth: 414, windowHeight: 736, screenWidth: 414 } });
  const own = sized.getSystemInfoSync();
  assert.equal(own.windowWidth, 414);
  assert.equal(own.windowHeight, 736);
  assert.deepEqual(await sized.getSystemInfo(), own, 'Alipay answers without errMsg');
});
