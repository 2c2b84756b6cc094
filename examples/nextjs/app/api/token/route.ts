// Not part of the guide: a JSON endpoint for the e2e test. getAccessToken may
// refresh and therefore writes the session cookie, which is only allowed in
// route handlers and server actions, not in server components.
import { getAccessToken, getLogtoContext } from '@logto/next/server-actions';
import { NextResponse } from 'next/server';
import { logtoConfig } from '../../logto';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { isAuthenticated, claims, userInfo } = await getLogtoContext(logtoConfig, {
    fetchUserInfo: true,
  });
  if (!isAuthenticated) {
    return NextResponse.json({ error: 'not_authenticated' }, { status: 401 });
  }

  const resource = logtoConfig.resources?.[0];
  try {
    const accessToken = await getAccessToken(logtoConfig, resource);
    return NextResponse.json({ resource: resource ?? null, accessToken, userInfo, claims });
  } catch (error) {
    return NextResponse.json(
      { error: String(error), resource: resource ?? null, userInfo, claims },
      { status: 500 }
    );
  }
}
