import { SiteHeader } from './components/SiteHeader';

/** Every unknown URL and every notFound() (malformed room or scene ids) lands here, with ways back. */
export default function NotFound() {
  return (
    <div className="page">
      <SiteHeader />
      <main className="center-message" data-testid="not-found">
        <h1>Nothing here</h1>
        <p>This link does not lead to a room or a scene. Check it for typos, or start from one of these.</p>
        <div className="row center">
          <a className="primary" href="/">
            Start page
          </a>
          <a className="secondary" href="/gallery">
            Gallery
          </a>
        </div>
      </main>
    </div>
  );
}
