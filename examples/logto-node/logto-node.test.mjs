// @logto/node's LogtoClient, unchanged, against a running Sesame: sign-in
// (driven without a browser), callback, claims, userinfo, refresh, a resource
// access token, and sign-out with revocation. Every HTTP request the SDK makes
// must succeed (2xx/3xx).
//
// Run through the Go harness (go test -tags e2e ./e2e/logto -run TestLogtoNodeSDK),
// or by hand with the SESAME_* variables listed in helpers.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import LogtoClient from '@logto/node';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import {
  CookieJar,
  MemoryStorage,
  RequestRecorder,
  browserFetch,
  decodeJwtPart,
  env,
  issuer,
  signInThroughSesame,
  signOutThroughSesame,
  skipReason,
} from './helpers.mjs';

const skip = skipReason(
  'appId',
  'appSecret',
  'redirectUri',
  'postLogoutRedirectUri',
  'username',
  'password',
  'userId',
  'resource'
);

test('@logto/node LogtoClient against Sesame', { skip }, async (t) => {
  const recorder = new RequestRecorder();
  recorder.install();
  t.after(() => recorder.uninstall());

  const storage = new MemoryStorage();
  const jar = new CookieJar(); // the "browser" of the user
  const navigations = [];
  const config = {
    endpoint: env.endpoint,
    appId: env.appId,
    appSecret: env.appSecret,
    resources: [env.resource],
  };
  const newClient = () =>
    new LogtoClient(config, {
      storage,
      navigate: (url, parameters) => {
        navigations.push({ url, ...parameters });
      },
    });

  let client = newClient();
  let discovery;
  let jwks;
  const tokenRequests = () => recorder.matching(new URL(discovery.tokenEndpoint).pathname, 'POST');

  await t.test('discovery', async () => {
    discovery = await client.getOidcConfig();
    assert.equal(discovery.issuer, issuer(), 'discovery issuer must be <endpoint>/oidc');
    for (const key of [
      'authorizationEndpoint',
      'tokenEndpoint',
      'userinfoEndpoint',
      'jwksUri',
      'endSessionEndpoint',
      'revocationEndpoint',
    ]) {
      assert.equal(typeof discovery[key], 'string', `discovery.${key}`);
    }
    jwks = createRemoteJWKSet(new URL(discovery.jwksUri));
    recorder.assertAllSucceeded('discovery');
  });

  let firstCallbackUrl;
  await t.test('signIn builds an authorization URL and Sesame signs the user in', async () => {
    await client.signIn(env.redirectUri);
    const navigation = navigations.at(-1);
    assert.equal(navigation.for, 'sign-in');
    const authUrl = new URL(navigation.url);
    assert.equal(`${authUrl.origin}${authUrl.pathname}`, discovery.authorizationEndpoint);
    assert.equal(authUrl.searchParams.get('client_id'), env.appId);
    assert.equal(authUrl.searchParams.get('redirect_uri'), env.redirectUri);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.deepEqual(authUrl.searchParams.getAll('resource'), [env.resource]);
    assert.match(authUrl.searchParams.get('scope'), /\boffline_access\b/);

    firstCallbackUrl = await signInThroughSesame(jar, navigation.url, env.redirectUri);
    const callback = new URL(firstCallbackUrl);
    assert.ok(callback.searchParams.get('code'), `no code in ${firstCallbackUrl}`);
    assert.equal(callback.searchParams.get('state'), authUrl.searchParams.get('state'));
    assert.equal(callback.searchParams.get('iss'), issuer(), 'callback iss parameter');
    assert.equal(callback.searchParams.get('error'), null);
  });

  await t.test('handleSignInCallback exchanges the code', async () => {
    await client.handleSignInCallback(firstCallbackUrl);
    assert.equal(await client.isAuthenticated(), true);
    assert.ok(await client.getRefreshToken(), 'a refresh token is stored (offline_access)');
    assert.equal(tokenRequests().length, 1);
    recorder.assertAllSucceeded('callback');
    assert.ok(
      recorder.entries.some((e) => e.via === 'node:http' && e.url === discovery.jwksUri),
      `the SDK fetched the JWKS:\n${recorder.describe()}`
    );
  });

  await t.test('getIdTokenClaims', async () => {
    const claims = await client.getIdTokenClaims();
    assert.equal(claims.sub, env.userId);
    assert.equal(claims.iss, issuer());
    assert.equal(claims.aud, env.appId);
    assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 300, 'iat is fresh');
    assert.ok(claims.exp > Date.now() / 1000, 'exp is in the future');
    assert.equal(claims.username, env.username, 'profile scope puts username into the ID token');

    const idToken = await client.getIdToken();
    const header = decodeProtectedHeader(idToken);
    assert.ok(header.kid, 'ID token header has a kid');
    await jwtVerify(idToken, jwks, { issuer: issuer(), audience: env.appId });
  });

  await t.test('fetchUserInfo', async () => {
    const userInfo = await client.fetchUserInfo();
    assert.equal(userInfo.sub, env.userId);
    assert.equal(userInfo.username, env.username);
    recorder.assertAllSucceeded('userinfo');
  });

  await t.test('getAccessToken() is served from the code exchange, then refreshed twice', async () => {
    const first = await client.getAccessToken();
    assert.ok(first);
    // Like Logto: with openid in scope, the default access token is opaque
    // (no audience), the one userinfo accepts.
    assert.ok(!first.includes('.'), `default access token is opaque: ${first}`);
    assert.equal(tokenRequests().length, 1, 'no refresh for a fresh token');
    const refreshBefore = await client.getRefreshToken();

    // Refresh #1: expire the in-memory entry of this client.
    client.accessTokenMap.get('@').expiresAt = Math.floor(Date.now() / 1000) - 10;
    const second = await client.getAccessToken();
    assert.notEqual(second, first, 'refresh returned a new access token');
    assert.equal(tokenRequests().length, 2, 'one refresh_token grant');
    assert.ok((await client.fetchUserInfo()).sub === env.userId, 'refreshed token works at userinfo');

    // Refresh #2: expire the persisted map and use a fresh client on the same
    // storage, as @logto/next does on every request.
    const map = JSON.parse(await storage.getItem('accessToken'));
    assert.ok(map['@'], `stored access token map: ${JSON.stringify(map)}`);
    assert.equal(typeof map['@'].scope, 'string', 'token response scope is a string');
    assert.equal(typeof map['@'].expiresAt, 'number', 'token response expires_in is a number');
    assert.ok(Number.isFinite(map['@'].expiresAt), 'expiresAt is finite');
    map['@'].expiresAt = Math.floor(Date.now() / 1000) - 10;
    await storage.setItem('accessToken', JSON.stringify(map));
    client = newClient();
    const third = await client.getAccessToken();
    assert.notEqual(third, second);
    assert.equal(tokenRequests().length, 3, 'second refresh_token grant');
    assert.equal((await client.fetchUserInfo()).sub, env.userId);
    assert.equal(await client.isAuthenticated(), true);
    assert.equal((await client.getIdTokenClaims()).sub, env.userId);

    // A fresh client reuses the persisted token map without refreshing.
    client = newClient();
    assert.equal(await client.getAccessToken(), third);
    assert.equal(tokenRequests().length, 3, 'persisted token map is reused');

    const refreshAfter = await client.getRefreshToken();
    t.diagnostic(`refresh token rotated: ${refreshAfter !== refreshBefore}`);
    recorder.assertAllSucceeded('refresh');
  });

  await t.test('getAccessToken(resource) returns a JWT for the resource', async () => {
    const token = await client.getAccessToken(env.resource);
    assert.equal(token.split('.').length, 3, `resource access token is a JWT: ${token}`);
    const header = decodeProtectedHeader(token);
    assert.ok(header.kid, 'access token header has a kid');
    assert.equal(header.typ, 'at+jwt', 'access token header typ (RFC 9068, as Logto)');
    const { payload } = await jwtVerify(token, jwks, { issuer: issuer(), audience: env.resource });
    assert.equal(payload.aud, env.resource, 'aud is the resource indicator (a string)');
    assert.equal(payload.sub, env.userId);
    const body = decodeJwtPart(token, 1);
    t.diagnostic(`resource token claims: ${JSON.stringify(body)}`);

    const claims = await client.getAccessTokenClaims(env.resource);
    assert.equal(claims.aud, env.resource);

    // The userinfo token must stay audience-less even after a resource refresh.
    assert.equal((await client.fetchUserInfo()).sub, env.userId);
    recorder.assertAllSucceeded('resource token');
  });

  await t.test('getContext', async () => {
    const context = await client.getContext({
      getAccessToken: true,
      resource: env.resource,
      fetchUserInfo: true,
    });
    assert.equal(context.isAuthenticated, true);
    assert.equal(context.claims.sub, env.userId);
    assert.equal(context.userInfo.sub, env.userId);
    assert.ok(context.accessToken);
    recorder.assertAllSucceeded('getContext');
  });

  let revokedRefreshToken;
  await t.test('signOut revokes the refresh token and ends the Sesame session', async () => {
    revokedRefreshToken = await client.getRefreshToken();
    const revocationsBefore = recorder.matching(new URL(discovery.revocationEndpoint).pathname, 'POST').length;
    await client.signOut(env.postLogoutRedirectUri);

    const revocations = recorder.matching(new URL(discovery.revocationEndpoint).pathname, 'POST');
    assert.equal(revocations.length, revocationsBefore + 1, `one revocation request:\n${recorder.describe()}`);
    assert.equal(revocations.at(-1).status, 200, 'revocation answers 200');
    recorder.assertAllSucceeded('signOut');

    assert.equal(await client.isAuthenticated(), false);
    assert.equal(await client.getRefreshToken(), null);

    const navigation = navigations.at(-1);
    assert.equal(navigation.for, 'sign-out');
    const endSession = new URL(navigation.url);
    assert.equal(`${endSession.origin}${endSession.pathname}`, discovery.endSessionEndpoint);
    assert.equal(endSession.searchParams.get('client_id'), env.appId);
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), env.postLogoutRedirectUri);

    const { url } = await signOutThroughSesame(jar, navigation.url, env.postLogoutRedirectUri);
    assert.ok(url.startsWith(env.postLogoutRedirectUri));
  });

  await t.test('the revoked refresh token no longer works', async () => {
    const response = await browserFetch(discovery.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${env.appId}:${env.appSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        client_id: env.appId,
        refresh_token: revokedRefreshToken,
        grant_type: 'refresh_token',
      }).toString(),
    });
    const text = await response.text();
    assert.equal(response.status, 400, `refresh with a revoked token: ${response.status} ${text}`);
    const body = JSON.parse(text);
    assert.equal(body.error, 'invalid_grant', text);
    // Logto-style error body (§0.10 / §11.14): string code and message.
    assert.equal(typeof body.code, 'string', `error body has a string code: ${text}`);
    assert.equal(typeof body.message, 'string', `error body has a string message: ${text}`);
  });

  await t.test('signing in again asks for the password again', async () => {
    client = newClient();
    await client.signIn(env.redirectUri);
    const callbackUrl = await signInThroughSesame(jar, navigations.at(-1).url, env.redirectUri, {
      expectForm: true,
    });
    await client.handleSignInCallback(callbackUrl);
    assert.equal((await client.getIdTokenClaims()).sub, env.userId);
    await client.signOut(env.postLogoutRedirectUri);
    await signOutThroughSesame(jar, navigations.at(-1).url, env.postLogoutRedirectUri);
    recorder.assertAllSucceeded('second sign-in');
  });

  t.diagnostic('SDK HTTP requests:');
  for (const line of recorder.describe().split('\n')) t.diagnostic(`  ${line}`);
});
