'use strict';
// A WeChat app server written the common way, as WeChat's own sample does it, against the host with only the base URL
// changed: GET sns/jscode2session with the secret in the query string, the sha1(rawData + session_key) signature, the
// aes-128-cbc decipher with auto padding and the watermark check; and the mini-app side of getPhoneNumber.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { useHost, callback } = require('./support/host');

const T = { timeout: 120000 };
let host;
let UniBridge;
useHost((started, bridge) => {
  host = started;
  UniBridge = bridge;
});

// The app server's "WeChat API base URL".
const wechatApi = () => host.base + '/api/v1/exchange/wechat';

async function code2Session(appId, secret, jsCode) {
  const query = new URLSearchParams({ appid: appId, secret, js_code: jsCode, grant_type: 'authorization_code' });
  const response = await fetch(`${wechatApi()}/sns/jscode2session?${query}`);
  assert.equal(response.status, 200, 'WeChat answers HTTP 200 whatever the outcome');
  return response.json();
}

// WeChat's WXBizDataCrypt sample, in Node.
function decryptData(appId, sessionKey, encryptedData, iv) {
  const decipher = crypto.createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
  decipher.setAutoPadding(true);
  const decoded = JSON.parse(Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]).toString('utf8'));
  if (decoded.watermark.appid !== appId) {
    throw new Error('Illegal Buffer');
  }

  return decoded;
}

test('A WeChat server: GET jscode2session, then checks getUserInfo\'s signature and decrypts its data', T, async () => {
  const { app, token } = await host.launch('wechat');
  const wx = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {} });

  const login = await wx.login();
  const session = await code2Session(app.id, app.secret, login.code);
  const info = await wx.getUserInfo({ withCredentials: true });
  const again = await code2Session(app.id, app.secret, login.code);
  const wrongSecret = await code2Session(app.id, app.secret + 'x', (await wx.login()).code);

  assert.ok(session.openid);
  assert.equal(session.errcode ?? 0, 0);
  const signature = crypto.createHash('sha1').update(info.rawData + session.session_key).digest('hex');
  assert.equal(info.signature, signature);
  const data = decryptData(app.id, session.session_key, info.encryptedData, info.iv);
  assert.equal(data.nickName, info.userInfo.nickName);
  assert.ok(Math.abs(data.watermark.timestamp - Date.now() / 1000) < 300);
  assert.equal(again.errcode, 40163);
  assert.equal(wrongSecret.errcode, 40125);
});

test('wx.getPhoneNumber: the gate\'s grant is e.detail, with the single-use code for the app\'s server', T, async () => {
  const { token } = await host.launch('wechat');
  const seen = [];
  // The host's dialog and its provider are exercised by the host's own tests; here the gate answers a grant.
  const fetchThrough = async (url, init) => {
    seen.push(String(url));
    if (String(url).includes('/api/v1/apis/getPhoneNumber/authorize')) {
      return new Response(JSON.stringify({ status: 'ok', platform: 'wechat', native: { errMsg: 'getPhoneNumber:ok', code: 'c0de' } }),
        { status: 200, headers: { 'content-type': 'application/json' } });
    }

    return fetch(url, init);
  };
  const wx = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {}, fetch: fetchThrough });

  const detail = await callback(wx.getPhoneNumber);

  assert.deepEqual(detail.calls, ['success', 'complete']);
  assert.deepEqual(detail.success, { errMsg: 'getPhoneNumber:ok', code: 'c0de' });
  assert.ok(!seen.some((url) => url.includes('/getPhoneNumber/data')), 'nothing but the gate is asked');
});

test('wx.getPhoneNumber on a host without a phone-number provider fails as an app without the capability, without a dialog', T, async () => {
  const { user, token } = await host.launch('wechat');
  const wx = UniBridge.install({ host: host.base, token, platform: 'wechat', target: {} });

  const detail = await callback(wx.getPhoneNumber);

  assert.deepEqual(detail.calls, ['fail', 'complete']);
  assert.equal(detail.fail.errMsg, 'getPhoneNumber:fail no permission');
  assert.deepEqual(await user.pendingConsents(), []);
});
