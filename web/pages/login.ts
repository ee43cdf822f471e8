import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, describeError, director, formatWait } from '../api.ts';
import { Note } from '../components/feedback.ts';
import { SsoButtons, useSso } from '../components/sso-buttons.ts';
import { TotpEnrolment } from '../components/totp-enrolment.ts';
import { HeaderSignIn } from '../components/header-signin.ts';
import { PasskeyStep, PasswordlessSignIn, type answerOffer, type SignedIn } from '../components/passkey-login.ts';
import { queryClient, useMutation } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import { href, navigate, type Route } from '../router.ts';

interface LoginBody {
  userID: string;
  password: string;
  otp?: string;
  state?: string;
  passkey?: Awaited<ReturnType<typeof answerOffer>>;
}

/** Why the sign-in form is showing (the `reason` the app put in the address when a sign-in ended). */
const ENDED: Record<string, string> = {
  expired: 'Your sign-in expired.',
  revoked: 'You were signed out.',
  'signed-out': 'You are signed out.',
};

const FIELD_LABELS: Record<string, string> = { otp: 'One-time code' };
const DEFAULT_CHALLENGE = 'Enter the one-time code from your authenticator app.';
const PASSKEY_CHALLENGE = {
  either: 'Use one of your passkeys, or enter the one-time code from your authenticator app.',
  only: 'Use one of your passkeys to finish signing in.',
};

/** Counts a Retry-After down to zero, one second at a time. */
function useCountdown(): [number, (s: number) => void] {
  const [left, setLeft] = useState(0);
  useEffect(() => {
    if (left <= 0) return;
    const timer = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(timer);
  }, [left]);
  return [left, setLeft];
}

/**
 * Sign-in for users and (at #/admin/login) administrators. A multi-step login (RADIUS challenge, OTP)
 * answers INSUFFICIENT_CREDENTIALS with the fields still needed; the second step shows just those.
 */
export function LoginPage({ route }: { route: Route }) {
  const admin = route.path === '/admin/login';
  const next = route.params.get('next') ?? '';
  const [userID, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [extra, setExtra] = useState<Record<string, string>>({});
  const [challenge, setChallenge] = useState<{ expected: readonly string[]; message: string; state?: string; passkey?: ApiError['passkey'] } | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const [wait, setWait] = useCountdown();
  const [problem, setProblem] = useState<unknown>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const sso = useSso();

  useEffect(() => firstField.current?.focus(), [challenge, admin]);

  const signedIn = (me: SignedIn) => {
    queryClient.clear();
    queryClient.setQueryData(queryKeys.me, { user: me.user, role: me.role, groups: me.groups ?? [], expiresAt: me.expiresAt });
    navigate(next.startsWith('/') && !next.startsWith('/login') ? next : admin ? '/admin/agents' : '/', true);
  };
  const login = useMutation({
    mutationFn: (body: LoginBody) => call((admin ? director.v1.admin.login : director.v1.user.login).post(body), { noSignOut: true }),
    onSuccess: signedIn,
    onError: (err, body) => {
      if (err.code === 'INSUFFICIENT_CREDENTIALS' && err.enrolmentRequired) {
        setProblem(null);
        setEnrolling(true);
        return;
      }
      if (err.code === 'INSUFFICIENT_CREDENTIALS') {
        const generic = !err.message || /^(more credentials|one-time password|otp) (is )?required\.?$/i.test(err.message);
        const expected = err.expected.length ? err.expected : ['otp'];
        const message = expected.includes('passkey') ? PASSKEY_CHALLENGE[expected.length > 1 ? 'either' : 'only'] : generic ? DEFAULT_CHALLENGE : err.message;
        setChallenge({ expected, message, state: err.state, passkey: err.passkey });
        setExtra({});
        setProblem(challenge ? err : null); // a second challenge means the code was not accepted
        return;
      }
      // A refused passkey answers like a wrong code; say which it was.
      setProblem(err.code === 'INVALID_CREDENTIALS' && body.passkey ? new ApiError(401, 'PASSKEY_REJECTED', 'passkey not accepted') : err);
      if (err.code === 'TOO_MANY_ATTEMPTS') setWait(err.retryAfter ?? 30);
      if (err.code === 'INVALID_CREDENTIALS') {
        setPassword('');
        setChallenge(null);
      }
    },
  });

  const submit = (event: Event) => {
    event.preventDefault();
    setProblem(null);
    login.mutate({ userID: userID.trim(), password, ...extra, ...(challenge?.state ? { state: challenge.state } : {}) });
  };
  const restart = () => (setChallenge(null), setEnrolling(false), setExtra({}), setPassword(''), setProblem(null));
  const enrolled = () => {
    setEnrolling(false);
    setChallenge({ expected: ['otp'], message: 'Your authenticator app is set up. Enter the next code it shows to finish signing in.' });
  };

  if (enrolling) {
    return html`<main class="login" id="main">
      <div class="login-card login-card-wide">
        <div class="login-brand"><span class="brand-mark" aria-hidden="true"></span>Remote desktops</div>
        <h1>Set up your authenticator app</h1>
        <p class="muted">Your password was right. This server also asks for a code from an app on your phone; set that up once now.</p>
        <${TotpEnrolment} onConfirmed=${enrolled} />
        <p class="login-switch"><button type="button" class="link" onClick=${restart}>Start over</button></p>
      </div>
    </main>`;
  }
  const reason = route.params.get('reason') ?? (route.params.get('expired') === '1' ? 'expired' : '');
  const fields = challenge?.expected.filter((f) => f !== 'passkey') ?? [];
  const offer = challenge?.expected.includes('passkey') ? challenge.passkey : undefined;
  const ended = !problem && !challenge ? ENDED[reason] : undefined;
  const busy = login.isPending || wait > 0;

  return html`<main class="login" id="main">
    <form class=${sso.passwordForm || challenge ? 'login-card' : 'login-card sso-only'} onSubmit=${submit} aria-describedby="login-status" novalidate>
      <div class="login-brand"><span class="brand-mark" aria-hidden="true"></span>Remote desktops</div>
      <h1>${admin ? 'Administrator sign-in' : 'Sign in'}</h1>
      <div id="login-status" class="login-status">
        ${ended ? html`<${Note} tone="info"><strong>${ended}</strong>${next ? ' Sign in again to return to where you were.' : ''}<//>` : null}
        ${problem ? html`<div class="note note-error" role="alert"><p>${problemText(problem, wait)}</p></div>` : null}
        ${challenge && !problem ? html`<${Note} tone="info">${challenge.message}<//>` : null}
      </div>
      ${challenge ? null : html`<${SsoButtons} route=${route} sso=${sso} admin=${admin} next=${next} />`}
      ${
        challenge
          ? html`<p class="muted">Signing in as <strong>${userID}</strong>.</p>
            ${offer ? html`<${PasskeyStep} offer=${offer} busy=${login.isPending} onAnswer=${(passkey: LoginBody['passkey']) => login.mutate({ userID: userID.trim(), password, passkey })} />` : null}
            ${fields.map(
              (f, i) => html`<label class="field" key=${f}>
                <span>${FIELD_LABELS[f] ?? f}</span>
                <input ref=${i === 0 ? firstField : undefined} name=${f} value=${extra[f] ?? ''} required
                  inputmode=${f === 'otp' ? 'numeric' : undefined} autocomplete=${f === 'otp' ? 'one-time-code' : 'off'}
                  onInput=${(e: Event) => setExtra({ ...extra, [f]: (e.currentTarget as HTMLInputElement).value.trim() })} />
              </label>`,
            )}`
          : html`<label class="field">
              <span>User name</span>
              <input ref=${firstField} name="username" autocomplete="username" autocapitalize="none" spellcheck=${false} required value=${userID}
                onInput=${(e: Event) => setUser((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <label class="field">
              <span>Password</span>
              <input name="password" type="password" autocomplete="current-password" required value=${password}
                onInput=${(e: Event) => setPassword((e.currentTarget as HTMLInputElement).value)} />
            </label>`
      }
      ${
        challenge && fields.length === 0
          ? null
          : html`<button type="submit" class=${`btn ${offer ? '' : 'btn-primary '}btn-block`} disabled=${busy || !userID.trim() || !password} aria-busy=${login.isPending}>
              ${login.isPending ? 'Signing in…' : wait > 0 ? `Try again in ${formatWait(wait)}` : challenge ? 'Verify' : 'Sign in'}
            </button>`
      }
      ${challenge ? null : html`<${PasswordlessSignIn} admin=${admin} onSignedIn=${signedIn} /><${HeaderSignIn} admin=${admin} auto=${!reason} onSignedIn=${signedIn} />`}
      <p class="login-switch">
        ${
          challenge
            ? html`<button type="button" class="link" onClick=${restart}>Start over</button>`
            : admin
              ? html`<a href=${href('/login')}>Back to regular sign-in</a>`
              : html`<a href=${href('/admin/login')}>Administrator sign-in</a>`
        }
      </p>
    </form>
  </main>`;
}

function problemText(err: unknown, wait: number): string {
  if (err instanceof ApiError && err.code === 'TOO_MANY_ATTEMPTS') {
    return wait > 0 ? `Too many attempts. Try again in ${formatWait(wait)}.` : 'You can try again now.';
  }
  if (err instanceof ApiError && err.code === 'INSUFFICIENT_CREDENTIALS') return 'That code was not accepted. Enter the current code.';
  if (err instanceof ApiError && err.code === 'NOT_ADMIN') return 'This account is not an administrator. Use the regular sign-in.';
  return describeError(err);
}
