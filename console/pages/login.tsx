import { useState } from 'preact/hooks';
import { api, session } from '../api.ts';
import { t } from '../i18n.ts';

/** Asks for the API token and keeps it only when the API accepts it. */
export function Login({ refused, onSignedIn }: { refused: boolean; onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(refused ? t('login.refused') : '');
  const submit = async (e: Event) => {
    e.preventDefault();
    session.signIn(token.trim());
    try {
      await api('GET', '/v1/reviews?limit=1');
      onSignedIn();
    } catch (err) {
      session.signOut();
      setError(t('login.refused'));
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>{t('app.title')}</h1>
      <label>
        {t('login.token')}
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} autofocus />
      </label>
      <p class="hint">{t('login.hint')}</p>
      {error && <p class="error" id="login-error">{error}</p>}
      <button type="submit" id="sign-in" disabled={!token.trim()}>{t('login.submit')}</button>
    </form>
  );
}
