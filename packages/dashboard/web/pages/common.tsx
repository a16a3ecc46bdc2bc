import type { ComponentChildren } from 'preact';

export const ErrorBox = ({ error }: { error: string | undefined }) =>
  error ? (
    <div class="error" role="alert">
      {error}
    </div>
  ) : null;

export const Card = ({ title, children }: { title?: string; children: ComponentChildren }) => (
  <div class="card">
    {title ? <h2 style={{ marginTop: 0 }}>{title}</h2> : null}
    {children}
  </div>
);

export const Loading = () => <p class="muted">Loading…</p>;

export const href = (page: string, ...parts: string[]) => `#/${[page, ...parts.map(encodeURIComponent)].join('/')}`;

/** A two-column name/value table. */
export const KvTable = ({ id, rows }: { id?: string; rows: [string, string][] }) => (
  <table class="kv" id={id}>
    <tbody>
      {rows.map(([k, v]) => (
        <tr key={k}>
          <td>{k}</td>
          <td>{v}</td>
        </tr>
      ))}
    </tbody>
  </table>
);
