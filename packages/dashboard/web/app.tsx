import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ClusterPage } from './pages/cluster';
import { GroupPage, GroupsPage } from './pages/groups';
import { MessagePage, MessagesPage } from './pages/messages';
import { ProducersPage } from './pages/producers';
import { TopicPage, TopicsPage } from './pages/topics';

/** `#/topics/T?x=1` → { parts: ['topics','T'], params }. */
function parseHash(): { parts: string[]; params: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = h.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

const NAV: [string, string][] = [
  ['', 'Cluster'],
  ['topics', 'Topics'],
  ['groups', 'Consumers'],
  ['messages', 'Messages'],
  ['producers', 'Producers'],
];

function App() {
  const [route, setRoute] = useState(parseHash);
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? 'light');
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('theme', next);
    setTheme(next);
  };
  const [page, arg] = route.parts;
  let body = <ClusterPage />;
  if (page === 'topics') body = arg ? <TopicPage topic={arg} /> : <TopicsPage />;
  else if (page === 'groups') body = arg ? <GroupPage group={arg} /> : <GroupsPage />;
  else if (page === 'messages') body = <MessagesPage params={route.params} />;
  else if (page === 'message') body = <MessagePage params={route.params} />;
  else if (page === 'producers') body = <ProducersPage />;
  const current = page === 'message' ? 'messages' : (page ?? '');
  return (
    <>
      <header>
        <span class="brand">RocketMQ</span>
        <nav>
          {NAV.map(([p, label]) => (
            <a key={p} href={`#/${p}`} class={current === p ? 'active' : ''} id={`nav-${p || 'cluster'}`}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" id="theme-toggle" onClick={toggle} title="switch theme">
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
      </header>
      <main key={location.hash}>{body}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
