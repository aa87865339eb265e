'use strict';
// Alipay's official Node SDK (alipay-sdk) talks to the host's gateway with only the gateway URL changed: it signs every
// call with the app's RSA2 private key and verifies every answer with the host's public key.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { AlipaySdk } = require('alipay-sdk');
const { useHost } = require('./support/host');

let host;
useHost(async (started) => { host = started; });

function keyPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** An Alipay app with a registered key, a signed-in user with a session of it, and the host's gateway key. */
async function alipayApp() {
  const made = await host.launch('alipay');
  const keys = keyPair();
  const registered = await host.admin('PUT', `/apps/${encodeURIComponent(made.appId)}/alipay-public-key`, { publicKey: keys.publicKey });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  assert.equal(registered.body.alipayPublicKey, keys.publicKey);
  const gateway = await host.admin('GET', '/alipay/gateway-key');
  assert.equal(gateway.status, 200);
  return Object.assign(made, { keys, gatewayKey: gateway.body.publicKey });
}

function sdk(app, overrides = {}) {
  return new AlipaySdk(Object.assign({
    appId: app.appId,
    privateKey: app.keys.privateKey,
    keyType: 'PKCS8',
    alipayPublicKey: app.gatewayKey,
    gateway: host.base + '/api/v1/exchange/alipay/gateway.do',
  }, overrides));
}

/** A code for the scopes: auth_base is silent, anything else is granted in the consent dialog. */
async function authCode(app, scopes) {
  const call = fetch(host.base + '/api/v1/authorize?wait=20', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + app.token },
    body: JSON.stringify({ scopes }),
  });
  if (!scopes.includes('auth_base')) {
    await app.user.answerNext('allow', scopes);
  }

  const response = await call;
  assert.equal(response.status, 200);
  return (await response.json()).authCode;
}

test('alipay-sdk exchanges a code through the gateway and verifies the signed answer', async () => {
  const app = await alipayApp();
  const code = await authCode(app, ['auth_base']);

  const token = await sdk(app).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });

  assert.match(token.userId, /^2088\d{12}$/);
  assert.ok(token.openId.length > 0);
  assert.ok(token.accessToken.startsWith('authusrB'));
  assert.equal(token.expiresIn, 1296000);

  // The same code again: single use, answered in Alipay's error_response.
  const again = await sdk(app).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code });
  assert.equal(again.code, '40002');
  assert.equal(again.subCode, 'isv.code-invalid');
});

test('alipay-sdk reads zhima.credit.score.brief.get with the access token, answer signed by the host', async () => {
  const app = await alipayApp();
  const code = await authCode(app, ['auth_zhima']);
  const client = sdk(app);
  const token = await client.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });

  const brief = await client.exec('zhima.credit.score.brief.get', {
    authToken: token.accessToken,
    bizContent: { transactionId: 'tx-1', productCode: 'w1010100000000002733', admittanceScore: 600 },
  }, { validateSign: true });

  // The runnable host registers no credit provider: Alipay's "service unavailable", never an invented score.
  assert.equal(brief.code, '20000');
  assert.equal(brief.subCode, 'isp.unknow-error');
  assert.equal(brief.isAdmittance, undefined);

  const wrongToken = await client.exec('zhima.credit.score.brief.get', {
    authToken: token.accessToken + 'x',
    bizContent: { transactionId: 'tx-2', productCode: 'w1010100000000002733', admittanceScore: 600 },
  }, { validateSign: true });
  assert.equal(wrongToken.code, '20001');
  assert.equal(wrongToken.subCode, 'aop.invalid-auth-token');
});

test('a call signed with another private key is refused as isv.invalid-signature, the code stays unused', async () => {
  const app = await alipayApp();
  const code = await authCode(app, ['auth_base']);

  const forged = await sdk(app, { privateKey: keyPair().privateKey }).exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code }, { validateSign: true });

  assert.equal(forged.code, '40002');
  assert.equal(forged.subCode, 'isv.invalid-signature');
  const token = await sdk(app).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });
  assert.ok(token.accessToken);
});

test('an answer checked against another public key fails the SDK verification', async () => {
  const app = await alipayApp();
  const code = await authCode(app, ['auth_base']);

  await assert.rejects(
    sdk(app, { alipayPublicKey: keyPair().publicKey }).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true }),
    /验签失败/);
});

test('an app without a registered key, or an unknown app, is refused in Alipay words', async () => {
  const app = await alipayApp();
  const removed = await host.admin('DELETE', `/apps/${encodeURIComponent(app.appId)}/alipay-public-key`);
  assert.equal(removed.status, 200);
  assert.equal(removed.body.alipayPublicKey, undefined);

  const unbound = await sdk(app).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: 'x' }, { validateSign: true });
  const unknown = await sdk(app, { appId: 'no-such-app' }).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: 'x' }, { validateSign: true });

  assert.equal(unbound.subCode, 'isv.app-unbind-key');
  assert.equal(unknown.subCode, 'isv.invalid-app-id');
});
