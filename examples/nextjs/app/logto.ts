// The guide's app/logto.ts. Every value can come from the environment, so the
// same app runs against any Sesame (or Logto) endpoint; the defaults are the
// guide's values, with the endpoint pointing at a local Sesame.
const resources = (process.env.LOGTO_RESOURCES ?? '')
  .split(',')
  .map((resource) => resource.trim())
  .filter(Boolean);

export const logtoConfig = {
  endpoint: process.env.LOGTO_ENDPOINT ?? 'http://localhost:3001/',
  appId: process.env.LOGTO_APP_ID ?? '2xltgoq2kef1ooe06tigf',
  appSecret: process.env.LOGTO_APP_SECRET ?? 'vwyW8M4e3BupmghVerupTDHRswnmrlaD',
  baseUrl: process.env.LOGTO_BASE_URL ?? 'http://localhost:3000', // Change to your own base URL
  cookieSecret: process.env.LOGTO_COOKIE_SECRET ?? 'uJ63HIPKujP6BrsSj7nbtxVLH5t3vNt8', // Auto-generated 32 digit secret
  cookieSecure: process.env.NODE_ENV === 'production',
  // Optional, comma-separated API resource indicators: LOGTO_RESOURCES=https://api.example.com
  ...(resources.length > 0 && { resources }),
};
