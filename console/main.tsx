/** The steward's console: sign in with the API token, then reviews, search, profiles, reports and numbers (hash routes). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './api.ts';
import { currentLanguage, setLanguage, t } from './i18n.ts';
import { Login } from './pages/login.tsx';
import { Reviews } from './pages/reviews.tsx';
import { Search } from './pages/search.tsx';
import { Profile } from './pages/profile.tsx';
import { Reports } from './pages/reports.tsx';
import { Numbers } from './pages/numbers.tsx';
import './style.css';

/** `#/reviews`, `#/search?q=…`, `#/profile/p_…`, `#/reports`, `#/numbers` → the page and its argument. */
function route(hash: string): { page: 'reviews' | 'search' | 'profile' | 'reports' | 'numbers'; arg: string } {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page, arg = ''] = (path ?? '').split('/');
  if (page === 'search') return { page, arg: new URLSearchParams(query).get('q') ?? '' };
  if (page === 'profile') return { page, arg: decodeURIComponent(arg) };
  if (page === 'reports' || page === 'numbers') return { page, arg: '' };
  return { page: 'reviews', arg: '' };
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session.token()));
  const [refused, setRefused] = useState(false);
  const [hash, setHash] = useState(location.hash);
  const [, setLang] = useState(currentLanguage());
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener('hashchange', onHash);
    session.onRefused = () => {
      setSignedIn(false);
      setRefused(true);
    };
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (!signedIn) return <Login refused={refused} onSignedIn={() => (setRefused(false), setSignedIn(true))} />;
  const { page, arg } = route(hash);
  const switchLanguage = () => {
    const next = currentLanguage() === 'zh' ? 'en' : 'zh';
    setLanguage(next);
    setLang(next);
  };
  return (
    <>
      <header>
        <strong>{t('app.title')}</strong>
        <nav>
          <a href="#/reviews" id="nav-reviews" class={page === 'reviews' ? 'active' : ''}>{t('nav.reviews')}</a>
          <a href="#/search" id="nav-search" class={page === 'search' ? 'active' : ''}>{t('nav.search')}</a>
          <a href="#/reports" id="nav-reports" class={page === 'reports' ? 'active' : ''}>{t('nav.reports')}</a>
          <a href="#/numbers" id="nav-numbers" class={page === 'numbers' ? 'active' : ''}>{t('nav.numbers')}</a>
        </nav>
        <button type="button" id="language" onClick={switchLanguage}>{t('nav.language')}</button>
        <button type="button" id="sign-out" onClick={() => (session.signOut(), setSignedIn(false))}>{t('nav.signOut')}</button>
      </header>
      <main>
        {page === 'reviews' && <Reviews />}
        {page === 'search' && <Search key={arg} initial={arg} />}
        {page === 'profile' && <Profile key={arg} id={arg} />}
        {page === 'reports' && <Reports />}
        {page === 'numbers' && <Numbers />}
      </main>
    </>
  );
}

setLanguage(currentLanguage());
render(<App />, document.getElementById('app')!);
