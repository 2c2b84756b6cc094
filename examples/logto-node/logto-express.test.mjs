// @logto/express, unchanged, against a running Sesame: an express app with
// express-session and Logto's routes, driven with fetch and a cookie jar.
//
// Run through the Go harness (go test -tags e2e ./e2e/logto -run TestLogtoExpress),
// or by hand with the SESAME_* variables listed in helpers.mjs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';

import { handleAuthRoutes, withLogto } from '@logto/express';
import express from 'express';
import session from 'express-session';

import {
  CookieJar,
  RequestRecorder,
  browserRequest,
  env,
  follow,
  signInThroughSesame,
  signOutThroughSesame,
  skipReason,
} from './helpers.mjs';

const skip = skipReason('expressAppId', 'expressAppSecret', 'expressPort', 'username', 'password', 'userId');

test('@logto/express against Sesame', { skip }, async (t) => {
  const recorder = new RequestRecorder();
  recorder.install();
  t.after(() => recorder.uninstall());

  const baseUrl = `http://localhost:${env.expressPort}`;
  const config = {
    endpoint: env.endpoint,
    appId: env.expressAppId,
    appSecret: env.expressAppSecret,
    baseUrl,
  };

  const app = express();
  app.use(
    session({
      secret: 'sesame-e2e-express-session-secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 14 * 24 * 60 * 60 * 1000 },
    })
  );
  app.use(handleAuthRoutes(config));
  app.get('/', withLogto(config), (request, response) => {
    response.json(request.user);
  });
  app.get('/user', withLogto({ ...config, fetchUserInfo: true, getAccessToken: true }), (request, response) => {
    response.json(request.user);
  });
  const errors = [];
  // eslint-disable-next-line no-unused-vars
  app.use((error, request, response, next) => {
    errors.push(error);
    response.status(500).json({ error: String(error), stack: error?.stack });
  });

  const server = app.listen(env.expressPort); // all interfaces, so "localhost" works on v4 and v6
  await once(server, 'listening');
  t.after(() => server.close());

  const jar = new CookieJar();
  const getJson = async (path) => {
    const res = await browserRequest(jar, `${baseUrl}${path}`);
    assert.equal(res.status, 200, `GET ${path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body);
  };

  await t.test('signed out at first', async () => {
    assert.deepEqual(await getJson('/'), { isAuthenticated: false });
  });

  await t.test('sign-in, callback, withLogto', async () => {
    const start = await browserRequest(jar, `${baseUrl}/logto/sign-in`);
    assert.ok(
      start.status >= 300 && start.status < 400 && start.location,
      `/logto/sign-in should redirect: ${start.status} ${start.body}`
    );
    const authUrl = new URL(start.location);
    assert.equal(`${authUrl.origin}${authUrl.pathname}`, `${env.endpoint.replace(/\/+$/, '')}/oidc/auth`);
    const redirectUri = `${baseUrl}/logto/sign-in-callback`;
    assert.equal(authUrl.searchParams.get('redirect_uri'), redirectUri);

    const callbackUrl = await signInThroughSesame(jar, start.location, redirectUri);
    const callback = await browserRequest(jar, callbackUrl);
    assert.ok(
      callback.status >= 300 && callback.status < 400,
      `callback should redirect to baseUrl: ${callback.status} ${callback.body}`
    );
    assert.equal(callback.location, new URL(baseUrl).href);

    const user = await getJson('/');
    assert.equal(user.isAuthenticated, true, JSON.stringify(user));
    assert.equal(user.claims.sub, env.userId);
    assert.equal(user.claims.aud, env.expressAppId);

    const detailed = await getJson('/user');
    assert.equal(detailed.isAuthenticated, true, JSON.stringify(detailed));
    assert.equal(detailed.userInfo.sub, env.userId);
    assert.ok(detailed.accessToken, 'access token in context');
    recorder.assertAllSucceeded('sign-in');
  });

  await t.test('sign-out', async () => {
    const start = await browserRequest(jar, `${baseUrl}/logto/sign-out`);
    assert.ok(
      start.status >= 300 && start.status < 400 && start.location,
      `/logto/sign-out should redirect: ${start.status} ${start.body}`
    );
    const endSession = new URL(start.location);
    assert.equal(endSession.pathname, '/oidc/session/end');
    assert.equal(endSession.searchParams.get('client_id'), env.expressAppId);
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), baseUrl);
    assert.ok(
      recorder.entries.some((e) => e.method === 'POST' && new URL(e.url).pathname === '/oidc/token/revocation'),
      `sign-out revoked the refresh token:\n${recorder.describe()}`
    );
    recorder.assertAllSucceeded('sign-out');

    await signOutThroughSesame(jar, start.location, baseUrl);
    assert.deepEqual(await getJson('/'), { isAuthenticated: false });
  });

  await t.test('signing in again asks for the password again', async () => {
    const start = await browserRequest(jar, `${baseUrl}/logto/sign-in`);
    const callbackUrl = await signInThroughSesame(jar, start.location, `${baseUrl}/logto/sign-in-callback`, {
      expectForm: true,
    });
    await browserRequest(jar, callbackUrl);
    assert.equal((await getJson('/')).isAuthenticated, true);
  });

  // @logto/express's /logto/sign-up sends first_screen=register; like Logto,
  // Sesame then opens its create-account page.
  await t.test(
    '/logto/sign-up opens the registration page',
    async () => {
      const start = await browserRequest(new CookieJar(), `${baseUrl}/logto/sign-up`);
      assert.equal(new URL(start.location).searchParams.get('first_screen'), 'register');
      const { page } = await follow(new CookieJar(), start.location, `${baseUrl}/logto/sign-in-callback`, []);
      assert.ok(page, 'a page, not a redirect back');
      assert.match(page.url, /\/register\b/, `first page is ${page.url}`);
    }
  );

  assert.deepEqual(errors, [], 'no errors in the express app');
  t.diagnostic('SDK HTTP requests:');
  for (const line of recorder.describe().split('\n')) t.diagnostic(`  ${line}`);
});
