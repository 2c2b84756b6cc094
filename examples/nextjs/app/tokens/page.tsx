// Not part of the guide: shows what the SDK returns for the signed-in user.
// The resource access token is fetched by /api/token (a route handler),
// because getAccessToken may write the session cookie.
import { getLogtoContext } from '@logto/next/server-actions';
import { logtoConfig } from '../logto';

export const dynamic = 'force-dynamic';

const Tokens = async () => {
  const { isAuthenticated, claims, userInfo } = await getLogtoContext(logtoConfig, {
    fetchUserInfo: true,
  });

  if (!isAuthenticated) {
    return <p id="status">Not signed in.</p>;
  }

  return (
    <main>
      <p id="status">Signed in as {claims?.sub}.</p>
      <h2>ID token claims</h2>
      <pre id="claims">{JSON.stringify(claims, null, 2)}</pre>
      <h2>UserInfo</h2>
      <pre id="userinfo">{JSON.stringify(userInfo, null, 2)}</pre>
      <p>
        Access token for {logtoConfig.resources?.[0] ?? 'the default audience'}:{' '}
        <a href="/api/token">/api/token</a>
      </p>
    </main>
  );
};

export default Tokens;
