/** Header of the pages outside a room (gallery, scenes). */
export function SiteHeader({ children }: { children?: React.ReactNode }) {
  return (
    <header className="room-header site-header">
      <a href="/" className="brand">
        <span className="logo-mark" aria-hidden>
          ◆
        </span>{' '}
        SPADE Canvas
      </a>
      <nav className="site-nav">
        <a href="/gallery">Gallery</a>
      </nav>
      <div className="spacer" />
      {children}
      <a className="primary" href="/">
        New room
      </a>
    </header>
  );
}
