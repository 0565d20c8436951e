/**
 * The RegionalApp page (A21): sign in, a greeting from the region that answers, select the picture
 * to count a view. The API contract lives in lambda/ (login, hello, click, views, regions) and is
 * shared through lambda/shared/api-contract.ts and lib/names.ts, which this file imports; esbuild
 * bundles it (lib/site-bundle.ts). config.json (written at deploy time by the SiteContent stack)
 * names this copy's region and API; GET /regions names every other deployed region. The failover
 * decisions are in failover.ts, without DOM, so they are unit-tested.
 *
 * Failover: the page signs in to every region at once (one password prompt; the password is kept
 * nowhere), and when its region stops answering — no answer, 503, a 5xx other than the deliberate
 * click failure — it moves to the next region and says so. It does not move back by itself: see
 * README "The page".
 */
import { IDEMPOTENCY_KEY_HEADER, type RegionsAnswer } from '../../lambda/shared/api-contract';
import { IMAGE_KEYS, ROUTES } from '../../lib/names';
import {
  countAfterOwnClick, countAfterRead, countText, failoverNotice, nextRegion, noRegionLeftNotice, orderRegions,
  parseStoredSession, regionFailed, tokenFrom, type CallOutcome, type RegionEndpoint, type RegionToken, type StoredSession,
} from './failover';

/**
 * The session survives a reload in sessionStorage: one tab's storage, gone when the tab closes.
 * localStorage would keep bearer tokens on the disk across browser restarts and share them with
 * every tab; a cookie would need a server on the site's origin to set it HttpOnly (the site is
 * static) and would travel with every request for the site's files. The tokens expire within an
 * hour either way; a script on the page could read sessionStorage as it could read memory.
 */
const SESSION_KEY = 'regionalapp.session';

/** A request that has not answered after this long counts as no answer (the region may hang). */
const REQUEST_TIMEOUT_MS = 6_000;

/** How often the signed-in page checks its region's /health while visible, to notice an outage while idle. */
const HEALTH_CHECK_MS = 10_000;

const PICTURE_NAMES = {
  hello: 'Count a view',
  clicked: 'Count another view (your last view was counted)',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
}

const ui = {
  region: element('region'),
  notice: element('notice'),
  noticeText: element('notice-text'),
  noticeDismiss: element<HTMLButtonElement>('notice-dismiss'),
  status: element('status'),
  loginSection: element('login-section'),
  loginForm: element<HTMLFormElement>('login-form'),
  email: element<HTMLInputElement>('email'),
  password: element<HTMLInputElement>('password'),
  loginError: element('login-error'),
  signIn: element<HTMLButtonElement>('sign-in'),
  homeSection: element('home-section'),
  greeting: element('greeting'),
  answeredBy: element('answered-by'),
  user: element('user'),
  pictureArea: element('picture-area'),
  picture: element<HTMLButtonElement>('picture'),
  pictureImage: element<HTMLImageElement>('picture-image'),
  views: element('views'),
  clickSuccess: element('click-success'),
  clickError: element('click-error'),
  clickErrorImage: element<HTMLImageElement>('click-error-image'),
  clickErrorMessage: element('click-error-message'),
  retry: element<HTMLButtonElement>('retry'),
  signOut: element<HTMLButtonElement>('sign-out'),
};

/** This copy of the site's own region and API, from config.json. */
let home: RegionEndpoint | undefined;
/** Every region the page knows, its own first. */
let regions: RegionEndpoint[] = [];
/** When each region last failed (ms), so the page does not move straight back to it. */
const failedAt = new Map<string, number>();

interface Session extends StoredSession {
  region: string;
  tokens: Record<string, RegionToken>;
  shownViews?: number;
  pendingClickKey: string | null;
  clicking: boolean;
}

/** The signed-in session, or null. Each sign-in makes a new object, so answers after a sign-out are dropped. */
let session: Session | null = null;
let signingIn = false;
let healthTimer: number | undefined;

/** An authorized call found the token expired (or the API answered 401): sign in again. */
class SessionExpired extends Error {}

// --- Calling the API --------------------------------------------------------------------------

async function callApi(endpoint: RegionEndpoint, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<CallOutcome> {
  const headers = init.body === undefined ? { ...init.headers } : { ...init.headers, 'content-type': 'application/json' };
  try {
    const response = await fetch(`${endpoint.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch (error) {
    return { unreachable: true, reason: error instanceof Error ? error.message : String(error) };
  }
}

function endpointOf(region: string): RegionEndpoint | undefined {
  return regions.find((endpoint) => endpoint.region === region);
}

/**
 * Calls a route behind the JWT authorizer in the session's region; when the region fails, moves to
 * the next one it is signed in to and sends the same request there (a click keeps its idempotency
 * key, so it is never counted twice). Answers the outcome and the region that gave it.
 */
async function callAuthorized(current: Session, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<{ outcome: CallOutcome; region: string }> {
  for (;;) {
    const token = current.tokens[current.region];
    const endpoint = endpointOf(current.region);
    if (!token || !endpoint || Date.now() >= token.expiresAt) throw new SessionExpired();
    const outcome = await callApi(endpoint, path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token.idToken}` } });
    if (current !== session) return { outcome, region: endpoint.region };
    if ('status' in outcome && outcome.status === 401) throw new SessionExpired();
    if (!regionFailed(outcome)) return { outcome, region: endpoint.region };
    if (!moveOn(current)) return { outcome, region: endpoint.region };
  }
}

/** The region failed: move the session to the next usable region. False when there is none. */
function moveOn(current: Session): boolean {
  const from = current.region;
  failedAt.set(from, Date.now());
  const next = nextRegion(regions, from, (region) => (current.tokens[region]?.expiresAt ?? 0) > Date.now(), failedAt, Date.now());
  if (!next) {
    showNotice(noRegionLeftNotice(from), 'error');
    return false;
  }
  current.region = next.region;
  saveSession(current);
  showRegion(next.region);
  showNotice(failoverNotice(from, next.region), 'info');
  void refreshGreeting(current);
  return true;
}

/** What an error body says: handlers answer `{ error }`, API Gateway itself `{ message }`. */
function detailOf(body: unknown): string | undefined {
  const record = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown };
  const detail = record.error ?? record.message;
  return typeof detail === 'string' ? detail : undefined;
}

function failureMessage(what: string, outcome: CallOutcome): string {
  if ('unreachable' in outcome) return `${what} failed: the service could not be reached (${outcome.reason}). Check your connection and try again.`;
  const detail = detailOf(outcome.body);
  return `${what} failed (HTTP ${outcome.status}${detail ? `: ${detail}` : ''}).`;
}

// --- What the page shows -----------------------------------------------------------------------

function announce(message: string): void {
  ui.status.textContent = message;
}

/** Writes `before`, the region code (never broken at its hyphens) and `after` into `target`. */
function writeWithRegion(target: HTMLElement, before: string, region: string, after = ''): void {
  const code = document.createElement('span');
  code.className = 'region-code';
  code.textContent = region;
  target.replaceChildren(before, code, after);
}

function showRegion(region: string): void {
  writeWithRegion(ui.region, 'Served from ', region);
}

/** An AWS region code in a sentence, e.g. us-west-2. */
const REGION_CODE = /\b([a-z]{2}(?:-[a-z]+)+-\d)\b/;

function showNotice(message: string, kind: 'info' | 'error'): void {
  ui.noticeText.replaceChildren(...message.split(REGION_CODE).map((part, index) => {
    if (index % 2 === 0) return part;
    const code = document.createElement('span');
    code.className = 'region-code';
    code.textContent = part;
    return code;
  }));
  ui.notice.dataset.kind = kind;
  ui.notice.hidden = message === '';
}

function showLoginError(message: string, { invalidCredentials = false } = {}): void {
  ui.loginError.textContent = message;
  for (const input of [ui.email, ui.password]) {
    if (invalidCredentials) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function showViews(current: Session, views: number): void {
  current.shownViews = views;
  saveSession(current);
  ui.views.textContent = countText(views);
}

function showPicture(image: unknown, name: string): void {
  if (typeof image === 'string') ui.pictureImage.src = image;
  ui.pictureImage.alt = name;
  ui.pictureArea.hidden = false;
}

/** One click state at a time: idle, counted, or failed (the error replaces the picture and the success). */
function showClickState(state: 'idle' | 'counted' | 'failed', message = ''): void {
  ui.clickSuccess.hidden = state !== 'counted';
  ui.clickError.hidden = state !== 'failed';
  ui.pictureArea.hidden = state === 'failed' || !ui.pictureImage.getAttribute('src');
  ui.clickErrorMessage.textContent = state === 'failed' ? message : '';
}

// --- The session --------------------------------------------------------------------------------

function saveSession(current: Session): void {
  if (current !== session) return;
  const stored: StoredSession = { email: current.email, region: current.region, tokens: current.tokens, regions, shownViews: current.shownViews };
  try {
    window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(stored));
  } catch {
    // Storage refused (private mode, quota): the page still works; a reload asks to sign in again.
  }
}

function forgetSession(): void {
  try {
    window.sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // Nothing stored.
  }
}

function loginFailureMessage(outcome: CallOutcome): string {
  if ('unreachable' in outcome) return failureMessage('Signing in', outcome);
  switch (outcome.status) {
    case 401:
      return 'Wrong email or password. Check both and try again.';
    case 403:
      return 'This account must set a new password before it can sign in here. Ask whoever manages your account to reset it.';
    case 429:
      return 'Too many sign-in attempts. Wait a minute, then try again.';
    case 400:
    case 413:
      return `The sign-in was refused: ${detailOf(outcome.body) ?? 'the request was not valid'}.`;
    default:
      return `${failureMessage('Signing in', outcome)} Try again in a moment.`;
  }
}

function tokenOf(outcome: CallOutcome): RegionToken | undefined {
  if ('unreachable' in outcome || outcome.status !== 200) return undefined;
  const { idToken, expiresIn } = (outcome.body ?? {}) as { idToken?: unknown; expiresIn?: unknown };
  return typeof idToken === 'string' && typeof expiresIn === 'number' ? tokenFrom(idToken, expiresIn, Date.now()) : undefined;
}

/**
 * Signs in to every known region at once with the same credentials (users exist in every region's
 * pool): after a failover the user is still signed in, and the password is never kept to sign in
 * later. The page starts in its own region, or in the first region that signed in.
 */
async function signIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (signingIn || !home) return;
  signingIn = true;
  ui.signIn.setAttribute('aria-disabled', 'true');
  showLoginError('');
  announce('Signing in…');
  try {
    const credentials = { username: ui.email.value.trim(), password: ui.password.value };
    const attempts = regions.map((endpoint) => callApi(endpoint, ROUTES.login, { method: 'POST', body: credentials }).then((outcome) => ({ endpoint, outcome })));
    const tokens: Record<string, RegionToken> = {};
    const record = ({ endpoint, outcome }: { endpoint: RegionEndpoint; outcome: CallOutcome }): boolean => {
      const token = tokenOf(outcome);
      if (token) tokens[endpoint.region] = token;
      else if (regionFailed(outcome)) failedAt.set(endpoint.region, Date.now());
      return token !== undefined;
    };
    // The page's own region decides: signed in there, the page starts at once and the other
    // regions' tokens arrive in the background; refused there (wrong password, throttled), it says
    // so at once; only when it does not answer does the page wait for the other regions.
    const first = await attempts[0];
    let answers = [first];
    if (!record(first) && regionFailed(first.outcome)) {
      answers = await Promise.all(attempts);
      answers.slice(1).forEach(record);
    }
    const start = regions.find((endpoint) => tokens[endpoint.region]);
    if (!start) {
      // Report the page's own region's answer; a refusal (401, 429) is the same in every region.
      const outcome = answers.find((answer) => !regionFailed(answer.outcome))?.outcome ?? answers[0].outcome;
      const invalidCredentials = 'status' in outcome && outcome.status === 401;
      if (invalidCredentials) ui.password.value = '';
      showLoginError(loginFailureMessage(outcome), { invalidCredentials });
      announce('');
      (invalidCredentials ? ui.password : ui.email).focus();
      return;
    }
    const started: Session = { email: credentials.username, region: start.region, tokens, regions, pendingClickKey: null, clicking: false };
    startSession(started);
    if (start.region !== regions[0].region) showNotice(failoverNotice(regions[0].region, start.region), 'info');
    for (const attempt of attempts.slice(1)) {
      void attempt.then((answer) => {
        if (record(answer) && session === started) saveSession(started);
      });
    }
  } finally {
    signingIn = false;
    ui.signIn.removeAttribute('aria-disabled');
  }
}

function startSession(started: Session): void {
  session = started;
  saveSession(started);
  ui.password.value = '';
  showLoginError('');
  showRegion(started.region);
  ui.loginSection.hidden = true;
  ui.homeSection.hidden = false;
  ui.user.textContent = `Signed in as ${started.email}.`;
  if (started.shownViews !== undefined) ui.views.textContent = countText(started.shownViews);
  announce('Signed in. Loading…');
  void loadHome(started);
  startHealthChecks();
}

/** Leaves the signed-in view and forgets the tokens. */
function endSession(): void {
  session = null;
  forgetSession();
  stopHealthChecks();
  ui.homeSection.hidden = true;
  ui.greeting.textContent = '';
  ui.answeredBy.textContent = '';
  ui.user.textContent = '';
  ui.pictureImage.removeAttribute('src');
  ui.views.textContent = '';
  showClickState('idle');
  showNotice('', 'info');
  if (home) showRegion(home.region);
  ui.loginSection.hidden = false;
}

function signOut(): void {
  endSession();
  announce('Signed out.');
  ui.email.focus();
}

function expireSession(): void {
  const email = session?.email ?? '';
  endSession();
  ui.email.value = email;
  showLoginError('Your session has expired. Sign in again to continue.');
  announce('');
  (ui.email.value ? ui.password : ui.email).focus();
}

// --- The signed-in page -------------------------------------------------------------------------

function showGreeting(body: unknown, region: string): void {
  const { user, image } = (body ?? {}) as { user?: unknown; image?: unknown };
  ui.greeting.textContent = 'Hello!';
  writeWithRegion(ui.answeredBy, 'Your requests are answered by the ', region, ' region.');
  if (typeof user === 'string') ui.user.textContent = `Signed in as ${user}.`;
  if (!ui.clickSuccess.hidden) return;
  showPicture(image, PICTURE_NAMES.hello);
  showClickState('idle');
}

async function refreshGreeting(current: Session): Promise<void> {
  try {
    const { outcome, region } = await callAuthorized(current, ROUTES.hello);
    if (current === session && 'status' in outcome && outcome.status === 200) showGreeting(outcome.body, region);
  } catch (error) {
    if (error instanceof SessionExpired && current === session) expireSession();
  }
}

async function loadHome(current: Session): Promise<void> {
  try {
    const hello = await callAuthorized(current, ROUTES.hello);
    if (current !== session) return;
    if ('status' in hello.outcome && hello.outcome.status === 200) showGreeting(hello.outcome.body, hello.region);
    else ui.greeting.textContent = `${failureMessage('Loading the page', hello.outcome)} Reload the page to try again.`;
    const views = await callAuthorized(current, ROUTES.views);
    if (current !== session) return;
    const count = 'status' in views.outcome && views.outcome.status === 200 ? (views.outcome.body as { views?: unknown } | null)?.views : undefined;
    if (typeof count === 'number') showViews(current, countAfterRead(current.shownViews, count));
    else if (current.shownViews === undefined) ui.views.textContent = 'The view count could not be loaded right now.';
    announce('');
    ui.greeting.focus();
  } catch (error) {
    if (error instanceof SessionExpired && current === session) expireSession();
  }
}

function setClicking(current: Session, clicking: boolean): void {
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
async function sendClick(current: Session, idempotencyKey: string): Promise<void> {
  if (current.clicking) return;
  current.pendingClickKey = idempotencyKey;
  setClicking(current, true);
  announce('Counting your view…');
  let answer: { outcome: CallOutcome; region: string } | SessionExpired;
  try {
    answer = await callAuthorized(current, ROUTES.click, { method: 'POST', headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } });
  } catch (error) {
    if (!(error instanceof SessionExpired)) throw error;
    answer = error;
  } finally {
    setClicking(current, false);
  }
  if (current !== session) return;
  if (answer instanceof SessionExpired) {
    expireSession();
    return;
  }
  announce('');
  const { outcome } = answer;
  const views = 'status' in outcome && outcome.status === 200 ? (outcome.body as { views?: unknown } | null)?.views : undefined;
  if ('status' in outcome && outcome.status === 200 && typeof views === 'number') {
    const retryHadFocus = document.activeElement === ui.retry;
    current.pendingClickKey = null;
    showPicture((outcome.body as { image?: unknown }).image, PICTURE_NAMES.clicked);
    showClickState('counted');
    showViews(current, countAfterOwnClick(current.shownViews, views));
    if (retryHadFocus) ui.picture.focus();
    return;
  }
  showClickState('failed', clickFailureMessage(outcome));
  ui.retry.focus();
}

function clickFailureMessage(outcome: CallOutcome): string {
  if ('status' in outcome && !regionFailed(outcome) && outcome.status === 500) {
    // A deliberate failure (A8): the app fails some clicks on purpose, to show how errors are handled.
    // The API's own wording (DELIBERATE_FAILURE.error) is for API clients; people get the why and what next.
    return 'That view was not counted: this demo app fails some clicks on purpose, to show how errors are handled. Retry sends the same click, so it is never counted twice.';
  }
  if ('status' in outcome && outcome.status === 429) return 'Too many views at once. Wait a moment, then Retry.';
  if (regionFailed(outcome)) return 'Your view could not be counted: no region answers right now. Wait a minute, then Retry; it sends the same click, so it is never counted twice.';
  return `${failureMessage('Counting your view', outcome)} Retry sends the same click, so it is never counted twice.`;
}

function clickPicture(): void {
  if (!session || session.clicking) return;
  void sendClick(session, window.crypto.randomUUID());
}

function retryClick(): void {
  if (!session || session.clicking || !session.pendingClickKey) return;
  void sendClick(session, session.pendingClickKey);
}

// --- Noticing an outage while idle ----------------------------------------------------------------

async function checkHealth(): Promise<void> {
  const current = session;
  const endpoint = current && endpointOf(current.region);
  if (!current || !endpoint || document.visibilityState !== 'visible' || current.clicking) return;
  const outcome = await callApi(endpoint, ROUTES.health);
  if (current !== session || current.region !== endpoint.region || !regionFailed(outcome)) return;
  if (moveOn(current)) void loadHome(current);
}

function startHealthChecks(): void {
  stopHealthChecks();
  healthTimer = window.setInterval(() => void checkHealth(), HEALTH_CHECK_MS);
}

function stopHealthChecks(): void {
  if (healthTimer !== undefined) window.clearInterval(healthTimer);
  healthTimer = undefined;
}

// --- Start --------------------------------------------------------------------------------------

/** Asks a region for every deployed region (GET /regions); keeps what the page knew when it cannot. */
async function discoverRegions(from: RegionEndpoint): Promise<void> {
  const outcome = await callApi(from, ROUTES.regions);
  const found = 'status' in outcome && outcome.status === 200 ? (outcome.body as RegionsAnswer | null)?.regions : undefined;
  if (Array.isArray(found)) regions = orderRegions(home, regions, found);
}

async function start(): Promise<void> {
  ui.loginForm.addEventListener('submit', (event) => void signIn(event));
  ui.picture.addEventListener('click', clickPicture);
  ui.retry.addEventListener('click', retryClick);
  ui.signOut.addEventListener('click', signOut);
  ui.noticeDismiss.addEventListener('click', () => {
    showNotice('', 'info');
    ui.greeting.focus();
  });
  ui.clickErrorImage.src = `/${IMAGE_KEYS.error}`;
  for (const input of [ui.email, ui.password]) input.addEventListener('input', () => input.removeAttribute('aria-invalid'));

  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
    const config = await response.json() as { region?: unknown; apiUrl?: unknown };
    if (typeof config.apiUrl !== 'string' || config.apiUrl === '' || typeof config.region !== 'string') {
      throw new Error('config.json names no region or apiUrl; redeploy the SiteContent stack');
    }
    home = { region: config.region, apiUrl: config.apiUrl.replace(/\/+$/, '') };
  } catch (error) {
    ui.region.textContent = 'Region unknown';
    showLoginError(`Sign-in is unavailable: the site configuration could not be loaded (${error instanceof Error ? error.message : String(error)}). Reload the page to try again.`);
    return;
  }

  const stored = (() => {
    try {
      return parseStoredSession(window.sessionStorage.getItem(SESSION_KEY), Date.now());
    } catch {
      return undefined;
    }
  })();
  regions = orderRegions(home, stored?.regions ?? []);
  showRegion(stored?.region ?? home.region);
  if (stored && endpointOf(stored.region)) {
    startSession({ ...stored, tokens: { ...stored.tokens }, pendingClickKey: null, clicking: false });
    void discoverRegions(endpointOf(stored.region)!).then(() => session && saveSession(session));
    return;
  }
  // Sign-in needs the list of regions (it signs in to all of them); the form waits at most one timeout.
  await discoverRegions(home);
  ui.signIn.disabled = false;
}

void start();
