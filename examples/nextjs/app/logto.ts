// The guide's app/logto.ts. Every value comes from the environment so the same
// app can run against any Sesame (or Logto) endpoint; the defaults keep the
// shape of the guide's values.
const resources = (process.env.LOGTO_RESOURCES ?? '')
  .split(',')
  .map((resource) => resource.trim())
  .filter(Boolean);

export const logtoConfig = {
  endpoint: process.env.LOGTO_ENDPOINT ?? 'http://localhost:3001/',
  appId: process.env.LOGTO_APP_ID ?? 'your-app-id',
  appSecret: process.env.LOGTO_APP_SECRET ?? 'your-app-secret',
  baseUrl: process.env.LOGTO_BASE_URL ?? 'http://localhost:3000', // Change to your own base URL
  cookieSecret: process.env.LOGTO_COOKIE_SECRET ?? 'uJ63HIPKujP6BrsSj7nbtxVLH5t3vNt8', // Auto-generated 32 digit secret
  cookieSecure: process.env.NODE_ENV === 'production',
  // Optional: LOGTO_RESOURCES="https://api.example.com,https://other.example.com"
  ...(resources.length > 0 && { resources }),
};
