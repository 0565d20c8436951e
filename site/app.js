/**
 * The RegionalApp page: sign in, get a greeting from the region that answers, select the picture to
 * count a page view. The API contract it follows lives in lambda/login.ts, hello.ts, click.ts and
 * views.ts; config.json (written at deploy time, see stages/site-content-stack.ts) names the region
 * this copy of the site belongs to and its API.
 */

/** The header that makes a retried click count once (IDEMPOTENCY_KEY_HEADER in lambda/click.ts). */
const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** The token is treated as expired this long before Cognito's stated expiry, to allow for clock skew. */
const EXPIRY_MARGIN_MS = 30_000;

const PICTURE_NAMES = {
  hello: 'Count a page view (a waving hand)',
  clicked: 'Count another page view (a check mark: your last click was counted)',
};

const ui = {
  region: document.getElementById('region'),
  status: document.getElementById('status'),
  loginSection: document.getElementById('login-section'),
  loginForm: document.getElementById('login-form'),
  email: document.getElementById('email'),
  password: document.getElementById('password'),
  loginError: document.getElementById('login-error'),
  signIn: document.getElementById('sign-in'),
  homeSection: document.getElementById('home-section'),
  greeting: document.getElementById('greeting'),
  user: document.getElementById('user'),
  pictureArea: document.getElementById('picture-area'),
  picture: document.getElementById('picture'),
  pictureImage: document.getElementById('picture-image'),
  views: document.getElementById('views'),
  clickError: document.getElementById('click-error'),
  clickErrorMessage: document.getElementById('click-error-message'),
  retry: document.getElementById('retry'),
  signOut: document.getElementById('sign-out'),
};

/** The API's base URL from config.json, without a trailing slash; empty until config.json loads. */
let apiUrl = '';

/**
 * The signed-in session, or null. The ID token lives only here, never in web storage: a reload or
 * a new tab means signing in again, and no token outlives the page for another script to read.
 * Each sign-in creates a new object, so an answer that arrives after sign-out is recognised and dropped.
 */
let session = null;

let signingIn = false;

/** An authorized call found the token expired (or the API answered 401): sign in again. */
class SessionExpired extends Error {}

/** The API could not be reached at all (offline, DNS, CORS refusal). */
class ApiUnreachable extends Error {}

// --- API calls -------------------------------------------------------------------------------

/** Calls the API; answers `{ status, body }` with the JSON body (null if none). */
async function callApi(path, { method = 'GET', headers = {}, body } = {}) {
  let response;
  try {
    response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiUnreachable(`Could not reach the API at ${apiUrl} (${error.message}). Check your connection and try again.`);
  }
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Calls a route behind the JWT authorizer with this session's token. */
async function callAuthorized(current, path, init = {}) {
  if (Date.now() >= current.expiresAt) throw new SessionExpired();
  const response = await callApi(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${current.idToken}` } });
  if (response.status === 401) throw new SessionExpired();
  return response;
}

/** What an error body says: handlers answer `{ error }`, API Gateway itself `{ message }`. */
function detailOf(body) {
  const detail = body?.error ?? body?.message;
  return typeof detail === 'string' ? detail : undefined;
}

function failureMessage(what, { status, body }) {
  const detail = detailOf(body);
  return `${what} failed (HTTP ${status}${detail ? `: ${detail}` : ''}).`;
}

/** The same wording as viewsMessage in lambda/click.ts, so /views and /click read alike. */
function viewsMessage(views) {
  return `page viewed ${views} ${views === 1 ? 'time' : 'times'}`;
}

// --- Status and errors -----------------------------------------------------------------------

function announce(message) {
  ui.status.textContent = message;
}

function showLoginError(message, { invalidCredentials = false } = {}) {
  ui.loginError.textContent = message;
  for (const input of [ui.email, ui.password]) {
    if (invalidCredentials) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function loginFailureMessage(response) {
  switch (response.status) {
    case 401:
      return 'Wrong email or password. Check both and try again.';
    case 403:
      return 'This account must set a new password before it can sign in here. Ask whoever manages your account to reset it.';
    case 429:
      return 'Too many sign-in attempts. Wait a minute, then try again.';
    case 400:
    case 413:
      return `The sign-in was refused: ${detailOf(response.body) ?? 'the request was not valid'}.`;
    default:
      return `${failureMessage('Sign-in', response)} Try again in a moment.`;
  }
}

// --- Sign in and out -------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  if (signingIn) return;
  signingIn = true;
  ui.signIn.setAttribute('aria-disabled', 'true');
  showLoginError('');
  announce('Signing in…');
  try {
    const response = await callApi('/login', { method: 'POST', body: { username: ui.email.value.trim(), password: ui.password.value } });
    if (response.status !== 200) {
      const invalidCredentials = response.status === 401;
      if (invalidCredentials) ui.password.value = '';
      showLoginError(loginFailureMessage(response), { invalidCredentials });
      announce('');
      (invalidCredentials ? ui.password : ui.email).focus();
      return;
    }
    const { idToken, expiresIn } = response.body ?? {};
    if (typeof idToken !== 'string' || typeof expiresIn !== 'number') {
      throw new Error('The API answered the sign-in without a token. Try again; if it persists, the login function needs a look.');
    }
    startSession(idToken, expiresIn);
  } catch (error) {
    showLoginError(error.message);
    announce('');
  } finally {
    signingIn = false;
    ui.signIn.removeAttribute('aria-disabled');
  }
}

function startSession(idToken, expiresInSeconds) {
  session = { idToken, expiresAt: Date.now() + expiresInSeconds * 1000 - EXPIRY_MARGIN_MS, pendingClickKey: null, clicking: false };
  ui.password.value = '';
  showLoginError('');
  ui.loginSection.hidden = true;
  ui.homeSection.hidden = false;
  announce('Signed in. Loading…');
  loadHome(session);
}

/** Leaves the signed-in view and forgets the token. */
function endSession() {
  session = null;
  ui.homeSection.hidden = true;
  ui.greeting.textContent = '';
  ui.user.textContent = '';
  ui.pictureArea.hidden = true;
  ui.pictureImage.removeAttribute('src');
  ui.views.textContent = '';
  ui.clickError.hidden = true;
  ui.loginSection.hidden = false;
}

function signOut() {
  endSession();
  announce('Signed out.');
  ui.email.focus();
}

function expireSession() {
  endSession();
  showLoginError('Your session has expired. Sign in again to continue.');
  announce('');
  (ui.email.value ? ui.password : ui.email).focus();
}

// --- The signed-in page ----------------------------------------------------------------------

async function loadHome(current) {
  const [hello, views] = await Promise.allSettled([callAuthorized(current, '/hello'), callAuthorized(current, '/views')]);
  if (current !== session) return;
  if ([hello, views].some((result) => result.reason instanceof SessionExpired)) {
    expireSession();
    return;
  }

  if (hello.status === 'fulfilled' && hello.value.status === 200 && hello.value.body) {
    const { message, user, image } = hello.value.body;
    ui.greeting.textContent = message;
    ui.user.textContent = user ? `Signed in as ${user}.` : '';
    showPicture(image, PICTURE_NAMES.hello);
  } else {
    const problem = hello.status === 'fulfilled' ? failureMessage('Loading the greeting', hello.value) : hello.reason.message;
    ui.greeting.textContent = `${problem} Sign out and in again to retry.`;
  }

  if (views.status === 'fulfilled' && views.value.status === 200 && typeof views.value.body?.views === 'number') {
    ui.views.textContent = viewsMessage(views.value.body.views);
  } else {
    ui.views.textContent = 'The view count could not be loaded.';
  }
  announce('');
  ui.greeting.focus();
}

function showPicture(image, name) {
  ui.pictureImage.src = image;
  ui.pictureImage.alt = name;
  ui.pictureArea.hidden = false;
}

function setClicking(current, clicking) {
  current.clicking = clicking;
  for (const button of [ui.picture, ui.retry]) {
    if (clicking) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }
}

/**
 * Sends one click. A failed click keeps its idempotency key so Retry sends the same click again:
 * if the first attempt was in fact counted (say the answer was lost), the counter ignores the repeat.
 */
async function sendClick(current, idempotencyKey) {
  if (current.clicking) return;
  current.pendingClickKey = idempotencyKey;
  setClicking(current, true);
  announce('Counting your click…');
  let outcome;
  try {
    outcome = await callAuthorized(current, '/click', { method: 'POST', headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } });
  } catch (error) {
    outcome = error;
  } finally {
    setClicking(current, false);
  }
  if (current !== session) return;
  if (outcome instanceof SessionExpired) {
    expireSession();
    return;
  }
  announce('');

  if (!(outcome instanceof Error) && outcome.status === 200 && outcome.body) {
    const retryHadFocus = document.activeElement === ui.retry;
    current.pendingClickKey = null;
    ui.clickError.hidden = true;
    showPicture(outcome.body.image, PICTURE_NAMES.clicked);
    ui.views.textContent = outcome.body.message;
    if (retryHadFocus) ui.picture.focus();
    return;
  }

  ui.clickErrorMessage.textContent = clickFailureMessage(outcome);
  ui.clickError.hidden = false;
  ui.retry.focus();
}

function clickFailureMessage(outcome) {
  if (outcome instanceof Error) return outcome.message;
  // A deliberate failure (A8) says itself that it is retryable, and how to put it to the user.
  if (outcome.body?.retryable === true && detailOf(outcome.body)) return detailOf(outcome.body);
  return `${failureMessage('Counting the click', outcome)} Retry sends the same click, so it is never counted twice.`;
}

function clickPicture() {
  if (!session || session.clicking) return;
  ui.clickError.hidden = true;
  sendClick(session, window.crypto.randomUUID());
}

function retryClick() {
  if (!session || session.clicking || !session.pendingClickKey) return;
  sendClick(session, session.pendingClickKey);
}

// --- Start -----------------------------------------------------------------------------------

ui.loginForm.addEventListener('submit', signIn);
ui.picture.addEventListener('click', clickPicture);
ui.retry.addEventListener('click', retryClick);
ui.signOut.addEventListener('click', signOut);
for (const input of [ui.email, ui.password]) {
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
}

try {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const config = await response.json();
  if (typeof config.apiUrl !== 'string' || config.apiUrl === '') {
    throw new Error('config.json names no apiUrl; redeploy the SiteContent stack');
  }
  apiUrl = config.apiUrl.replace(/\/+$/, '');
  ui.region.textContent = `Served from ${config.region}.`;
  ui.signIn.disabled = false;
} catch (error) {
  ui.region.textContent = `Could not load the site configuration (${error.message}).`;
  showLoginError('Sign-in is unavailable until the site configuration loads. Reload the page to try again.');
}
