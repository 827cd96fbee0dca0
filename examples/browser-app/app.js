// A frontend on another origin: logs in, calls the API with a Bearer header, refreshes an expired access token, logs out.
'use strict';

/** The API's base URL: ?api=… on this page's URL, else a local `npm run dev`. */
const API = new URL(location.href).searchParams.get('api') || 'http://localhost:3000';

/**
 * The tokens, in this script's memory only. Not localStorage or sessionStorage: any script that runs on this
 * origin (an XSS, a compromised dependency) could read them there and use them elsewhere until they expire.
 */
let session = null;

const $ = (id) => document.getElementById(id);
const show = (status, body) => {
  $('status').textContent = status;
  $('out').textContent = body === undefined ? '' : JSON.stringify(body, null, 2);
  $('me').disabled = $('logout').disabled = session === null;
};

/** POST JSON to the API. No cookies are sent: the token is the only credential. */
async function post(path, body, accessToken) {
  const headers = { 'Content-Type': 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const response = await fetch(`${API}${path}`, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit' });
  return { response, body: response.status === 204 ? null : await response.json() };
}

/** True when a 401 says the access token has expired (RFC 6750 challenge), so a refresh may help. */
function expired(response) {
  const challenge = response.headers.get('WWW-Authenticate') || '';
  return response.status === 401 && /error="invalid_token"/.test(challenge) && /has expired/.test(challenge);
}

/** New access and ID tokens from the refresh token; a new refresh token too where the app client rotates them. */
async function refresh() {
  const { response, body } = await post('/auth/refresh', { refresh_token: session.refreshToken });
  if (!response.ok) throw new Error(body.error_description || 'refresh failed');
  session.accessToken = body.access_token;
  if (body.refresh_token) session.refreshToken = body.refresh_token;
}

/** GET with the access token; refreshes once and retries when the token has expired. */
async function getWithToken(path) {
  const call = () => fetch(`${API}${path}`, { headers: { Authorization: `Bearer ${session.accessToken}` }, credentials: 'omit' });
  let response = await call();
  if (expired(response)) {
    await refresh();
    response = await call();
  }
  return { response, body: await response.json() };
}

$('api').textContent = API;

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const { response, body } = await post('/auth/login', { username: $('username').value, password: $('password').value });
    if (!response.ok) return show(`Login refused (${response.status}).`, body);
    if (body.challenge) return show(`Cognito asks for ${body.challenge} first; this example does not answer challenges.`, body);
    session = { accessToken: body.access_token, refreshToken: body.refresh_token };
    $('password').value = '';
    show('Signed in.');
  } catch (err) {
    show(`The API could not be reached: ${err.message}`);
  }
});

$('me').addEventListener('click', async () => {
  try {
    const { response, body } = await getWithToken('/auth/me');
    show(response.ok ? 'You are:' : `Refused (${response.status}).`, body);
  } catch (err) {
    show(`Failed: ${err.message}`);
  }
});

$('logout').addEventListener('click', async () => {
  try {
    const { response, body } = await post('/auth/logout', { refresh_token: session.refreshToken }, session.accessToken);
    // 204, or 401 for a session that was already over: either way these tokens are done for.
    if (response.status !== 204 && response.status !== 401) return show(`Logout failed (${response.status}); still signed in.`, body);
    session = null;
    show('Signed out: the session is over on the server too.');
  } catch (err) {
    show(`Logout failed: ${err.message}; still signed in.`);
  }
});

show('Signed out.');
